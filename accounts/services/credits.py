"""Monthly credit (个人账户划入, 每月返钱) and the year-end carry-over (结转), set-based.

Each credit is one posting from the region fund to the account's current-year part, keyed
`credit:c<contribution>` (in service) or `credit:<personal account>:<period>` (retirees); the
database's unique key makes every credit land exactly once, whether a run is retried, killed
halfway or started twice, and a contribution that follows a merged account keeps its key.
Work goes in chunks of accounts (by id range), each chunk one short transaction.

On PostgreSQL a run that succeeded leaves a fact: the snapshot it started from. Triggers log,
per region, each transaction that changes a credit input (migration 0007). If no logged change
is invisible to that snapshot, the accounts, persons, contributions and policy are still what
each of its chunks read, so a run over the same or fewer periods would find every credit posted
(postings are never removed): it skips the chunks. Anything else takes the full path.
"""

import datetime as dt
import json
import logging
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from accounts.models import (
    AccountingPeriod,
    MonthlyCreditRun,
    PersonalAccount,
    Region,
    RegionPolicy,
    RegionPolicyVersion,
)
from accounts.selectors import policies_for_periods

from .ledger import postings_post_query, region_account
from .personal_accounts import current_period

logger = logging.getLogger(__name__)

CHUNK_SIZE = 50_000
IN_SERVICE = "CREDIT_IN_SERVICE"
RETIREE = "CREDIT_RETIREE"


def eligible_periods(*, region: Region, only: str | None = None) -> list[str]:
    """Assessed (or closed) periods up to this month: those whose credits may be due."""
    periods = AccountingPeriod.objects.filter(
        region=region,
        status__in=[AccountingPeriod.Status.ASSESSED, AccountingPeriod.Status.CLOSED],
        period__lte=current_period(),
    )
    if only:
        periods = periods.filter(period=only)
    return sorted(periods.values_list("period", flat=True))


Rule = RegionPolicyVersion.RetireeCreditRule
# No cap: more than any monthly pension could give.
_UNCAPPED_FEN = 10**15


def retiree_amounts_fen(*, policy: RegionPolicyVersion) -> tuple[int, int]:
    """(below the age band, from the age band) in fen for one month of the policy's periods;
    0 under the own-pension rule, which has no age band."""
    if policy.retiree_credit_rule == Rule.FIXED:
        below, from_band = policy.retiree_amount_below, policy.retiree_amount_from
    elif policy.retiree_credit_rule == Rule.PENSION_PERCENT:
        below = policy.average_pension * policy.retiree_percent_below
        from_band = policy.average_pension * policy.retiree_percent_from
    else:
        return 0, 0
    return tuple(
        int(amount.quantize(Decimal("0.01"), ROUND_HALF_UP) * 100) for amount in (below, from_band)
    )


def own_pension_terms(*, policy: RegionPolicyVersion) -> tuple[int, int]:
    """(percent in ten-thousandths, monthly cap in fen) of the own-pension rule (seed 004:
    Beijing 3.5% up to 500 yuan); (0, no cap) under the other rules. Whole numbers, so the
    SQL computes each person's amount exactly, on PostgreSQL and SQLite alike."""
    if policy.retiree_credit_rule != Rule.OWN_PENSION_PERCENT:
        return 0, _UNCAPPED_FEN
    cap = policy.retiree_pension_cap
    return (
        int(policy.retiree_pension_percent * 10_000),
        _UNCAPPED_FEN if cap is None else int(cap * 100),
    )


def age_band_cutoff(*, period: str, age: int) -> dt.date:
    """Born on or before this date: at least `age` years old in the period's month."""
    year, month = int(period[:4]), int(period[4:])
    last_day = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year - age, month, last_day)


# This chunk's credits, from one pass over its accounts: the in-service credit of a paid
# contribution (on a frozen account too: what was paid while employed is the person's, the
# balance grows and nothing becomes available), or for a retiree on an active account with no
# contribution in a due period after the month they retired: the amount of their age band, or
# their own pension's percent up to the cap (each period has its cutoff and its own policy's
# amounts). The ledger's set-based path skips keys already posted (the unique index settles
# races too), so every period is credited once.
_DUE = "due (period, starts, cutoff, below_fen, from_fen, pension_e4, cap_fen) AS (VALUES {values})"
# Fen of the pension times ten-thousandths, rounded half up: integers only.
_OWN_FEN = "(CAST(ROUND(COALESCE(p.pension, 0) * 100) AS BIGINT) * due.pension_e4 + 5000) / 10000"
_RETIREE_FEN = f"""(CASE WHEN p.birth_date <= due.cutoff THEN due.from_fen ELSE due.below_fen END
    + CASE WHEN {_OWN_FEN} > due.cap_fen THEN due.cap_fen ELSE {_OWN_FEN} END)"""
_CREDITS = f"""
    SELECT %(fund)s AS from_account_id, pa.current_id AS to_account_id,
           COALESCE(c.credit_fen, {_RETIREE_FEN}) AS amount_fen,
           CASE WHEN c.id IS NULL THEN '{RETIREE}' ELSE '{IN_SERVICE}' END AS kind,
           due.period AS period, %(reference)s AS reference,
           COALESCE('credit:c' || c.id, 'credit:' || pa.id || ':' || due.period)
               AS idempotency_key
    FROM accounts_personalaccount pa
    CROSS JOIN due
    LEFT JOIN accounts_contribution c
      ON c.account_id = pa.id AND c.period = due.period
     AND c.account_id BETWEEN %(lo)s AND %(hi)s
    LEFT JOIN accounts_insuredperson p ON p.id = pa.person_id AND p.retired
    WHERE pa.region_id = %(region)s AND pa.id BETWEEN %(lo)s AND %(hi)s
      AND pa.status IN ('ACTIVE', 'FROZEN')
      AND (
          (c.id IS NOT NULL AND c.region_id = %(region)s AND c.paid_at IS NOT NULL
           AND c.credit_fen > 0)
          OR (c.id IS NULL AND pa.status = 'ACTIVE' AND p.id IS NOT NULL
              AND pa.opened_period <= due.period
              AND (p.retired_at IS NULL OR p.retired_at < due.starts)
              AND {_RETIREE_FEN} > 0)
      )
"""


def _post_credits(
    *, chunk: tuple[int, int], region: Region, fund_id: int, periods: list[str], run
) -> tuple[int, int, int]:
    """Post this chunk's missing credits with their balances: (postings, retirees, fen)."""
    policies = policies_for_periods((region.code, period) for period in periods)
    params = {
        "fund": fund_id,
        "reference": f"credit-run:{run.pk}",
        "region": region.code,
        "lo": chunk[0],
        "hi": chunk[1],
    }
    for i, period in enumerate(periods):
        policy = policies[(region.code, period)]
        params[f"period{i}"] = period
        params[f"starts{i}"] = dt.date(int(period[:4]), int(period[4:]), 1)
        params[f"cutoff{i}"] = age_band_cutoff(period=period, age=policy.retiree_age_threshold)
        params[f"below{i}"], params[f"from{i}"] = retiree_amounts_fen(policy=policy)
        params[f"pension{i}"], params[f"cap{i}"] = own_pension_terms(policy=policy)
    values = ", ".join(
        f"(%(period{i})s, %(starts{i})s, %(cutoff{i})s, %(below{i})s, %(from{i})s,"
        f" %(pension{i})s, %(cap{i})s)"
        for i in range(len(periods))
    )
    posted = postings_post_query(ctes=_DUE.format(values=values), query=_CREDITS, params=params)
    return posted.count, posted.by_kind.get(RETIREE, (0, 0))[0], posted.amount_fen


def _record_progress(*, run: MonthlyCreditRun, count: int, retirees: int, total: int) -> None:
    MonthlyCreditRun.objects.filter(pk=run.pk).update(
        chunks_done=F("chunks_done") + 1,
        credited_count=F("credited_count") + count,
        retiree_count=F("retiree_count") + retirees,
        credited_fen=F("credited_fen") + total,
    )


def _credit_chunk(*, chunk, region: Region, fund_id: int, periods, run) -> None:
    """One chunk in one transaction: its postings, balances and progress commit together."""
    with transaction.atomic():
        count, retirees, total = _post_credits(
            chunk=chunk, region=region, fund_id=fund_id, periods=periods, run=run
        )
        _record_progress(run=run, count=count, retirees=retirees, total=total)


def _chunks(region: Region) -> list[tuple[int, int]]:
    bounds = PersonalAccount.objects.filter(region=region).aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    return [
        (start, min(start + CHUNK_SIZE - 1, bounds["hi"]))
        for start in range(bounds["lo"], bounds["hi"] + 1, CHUNK_SIZE)
    ]


def monthly_credit_run(
    *,
    region_code: str,
    period: str | None = None,
    triggered_by: str = "",
    started_by_id: int | None = None,
) -> MonthlyCreditRun:
    """Credit every eligible period not yet credited (backfill included), chunk by chunk."""
    snapshot = _inputs_snapshot()  # first: everything read below is at least this recent
    region = Region.objects.select_related("policy").get(pk=region_code)
    periods = eligible_periods(region=region, only=period)
    fund = region_account(region=region)
    if periods and _all_credited_since_last_run(region=region, periods=periods):
        chunks = []
    else:
        chunks = _chunks(region) if periods else []
    run = MonthlyCreditRun.objects.create(
        region=region,
        periods=periods,
        triggered_by=triggered_by,
        started_by_id=started_by_id,
        chunks_total=len(chunks),
        inputs_snapshot=snapshot if chunks else "",
    )
    try:
        for chunk in chunks:
            _credit_chunk(chunk=chunk, region=region, fund_id=fund.pk, periods=periods, run=run)
    except Exception as exc:
        MonthlyCreditRun.objects.filter(pk=run.pk).update(
            status=MonthlyCreditRun.Status.FAILED, error=repr(exc), finished_at=timezone.now()
        )
        logger.exception("monthly credit run %s failed", run.pk)
        raise
    MonthlyCreditRun.objects.filter(pk=run.pk).update(
        status=MonthlyCreditRun.Status.SUCCEEDED, finished_at=timezone.now()
    )
    if run.inputs_snapshot:
        _inputs_log_prune(region=region)
    run.refresh_from_db()
    return run


def _inputs_snapshot() -> str:
    """PostgreSQL's current snapshot, or "" where it cannot vouch for the run: SQLite, and
    inside a transaction (whose own later changes the snapshot would count as seen)."""
    if connection.vendor != "postgresql" or not connection.get_autocommit():
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text")
        return cursor.fetchone()[0]


# The succeeded run with the latest snapshot (any would prove it), if it covered these periods
# and no change to the region's credit inputs committed outside its snapshot. Log rows older
# than the snapshot's xmin are visible to it, so the index range starts there.
_ALL_CREDITED = """
    WITH fact AS (
        SELECT periods, inputs_snapshot::pg_snapshot AS snap FROM accounts_monthlycreditrun
        WHERE region_id = %(region)s AND status = 'SUCCEEDED' AND inputs_snapshot <> ''
        ORDER BY pg_snapshot_xmax(inputs_snapshot::pg_snapshot) DESC, id DESC
        LIMIT 1
    )
    SELECT fact.periods @> %(periods)s::jsonb AND NOT EXISTS (
        SELECT FROM accounts_creditinputchange ch
        WHERE ch.region_id = %(region)s AND ch.xact >= pg_snapshot_xmin(fact.snap)
          AND NOT pg_visible_in_snapshot(ch.xact, fact.snap)
    )
    FROM fact
"""


# Log rows visible to the snapshot the skip test uses were committed before it, so they are
# visible to every later one too: they can never block a skip. Visibility, not the snapshot's
# xmin: that is cluster-wide, held back by any open transaction of any other database.
_PRUNE = """
    DELETE FROM accounts_creditinputchange ch
    USING (
        SELECT inputs_snapshot::pg_snapshot AS snap FROM accounts_monthlycreditrun
        WHERE region_id = %(region)s AND status = 'SUCCEEDED' AND inputs_snapshot <> ''
        ORDER BY pg_snapshot_xmax(inputs_snapshot::pg_snapshot) DESC, id DESC
        LIMIT 1
    ) fact
    WHERE ch.region_id = %(region)s AND ch.xact < pg_snapshot_xmax(fact.snap)
      AND pg_visible_in_snapshot(ch.xact, fact.snap)
"""


def _inputs_log_prune(*, region: Region) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_PRUNE, {"region": region.code})


def _all_credited_since_last_run(*, region: Region, periods: list[str]) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(_ALL_CREDITED, {"region": region.code, "periods": json.dumps(periods)})
        row = cursor.fetchone()
    return bool(row and row[0])


def regions_due_for_credit(*, today: dt.date) -> list[str]:
    """Regions whose credit day (划入日) is today."""
    return list(
        RegionPolicy.objects.filter(credit_day=today.day).values_list("region_id", flat=True)
    )


def year_end_carry_over(*, year: int) -> int:
    """结转: move every current-year balance into the carried-over part, once per year."""
    bounds = PersonalAccount.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return 0
    moved = 0
    for start in range(bounds["lo"], bounds["hi"] + 1, CHUNK_SIZE):
        # The amount is the balance: read once the accounts are locked, so it is the final one.
        moved += postings_post_query(
            query="""SELECT pa.current_id AS from_account_id, pa.carried_id AS to_account_id,
                            cur.balance_fen AS amount_fen, 'CARRY_OVER' AS kind,
                            %(period)s AS period, %(reference)s AS reference,
                            %(key)s || pa.id AS idempotency_key
                     FROM accounts_personalaccount pa
                     JOIN accounts_ledgeraccount cur ON cur.id = pa.current_id
                     WHERE pa.id BETWEEN %(lo)s AND %(hi)s AND cur.balance_fen > 0""",
            params={
                "period": f"{year}12",
                "reference": f"carry-over:{year}",
                "key": f"carry:{year}:",
                "lo": start,
                "hi": start + CHUNK_SIZE - 1,
            },
            lock_first=True,
        ).count
    return moved
