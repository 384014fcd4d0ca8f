"""Monthly credit (个人账户划入, 每月返钱) and the year-end carry-over (结转), set-based.

Each credit is one posting from the region fund to the account's current-year part, keyed
`credit:c<contribution>` (in service) or `credit:<personal account>:<period>` (retirees); the
database's unique key makes every credit land exactly once, whether a run is retried, killed
halfway or started twice, and a contribution that follows a merged account keeps its key.
Work goes in chunks of accounts (by id range), each chunk one short transaction.
"""

import datetime as dt
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
)

from .ledger import region_account
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


def retiree_amounts_fen(*, policy: RegionPolicy) -> tuple[int, int]:
    """(below the age band, from the age band) in fen for one month."""
    if policy.retiree_credit_rule == RegionPolicy.RetireeCreditRule.FIXED:
        below, from_band = policy.retiree_amount_below, policy.retiree_amount_from
    else:
        below = policy.average_pension * policy.retiree_percent_below
        from_band = policy.average_pension * policy.retiree_percent_from
    return tuple(
        int(amount.quantize(Decimal("0.01"), ROUND_HALF_UP) * 100) for amount in (below, from_band)
    )


def age_band_cutoff(*, period: str, age: int) -> dt.date:
    """Born on or before this date: at least `age` years old in the period's month."""
    year, month = int(period[:4]), int(period[4:])
    last_day = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year - age, month, last_day)


def _insert_credit_postings(
    *,
    cursor,
    chunk: tuple[int, int],
    region: Region,
    fund_id: int,
    periods: list[str],
    run: MonthlyCreditRun,
) -> list[tuple[int, int, str]]:
    """Insert this chunk's missing credit postings. NOT EXISTS skips what is done cheaply;
    ON CONFLICT on the idempotency key settles races, so every period is credited once.
    Returns (account, amount, kind) of the rows really inserted."""
    now = timezone.now()
    policy = region.policy
    below_fen, from_fen = retiree_amounts_fen(policy=policy)
    placeholders = ", ".join(["%s"] * len(periods))
    reference = f"credit-run:{run.pk}"
    in_service = f"""
        INSERT INTO accounts_posting
            (from_account_id, to_account_id, amount_fen, kind, period, reference,
             idempotency_key, created_at)
        SELECT %s, pa.current_id, c.credit_fen, %s, c.period, %s,
               'credit:c' || c.id, %s
        FROM accounts_contribution c
        JOIN accounts_personalaccount pa ON pa.id = c.account_id
        WHERE c.region_id = %s AND c.period IN ({placeholders})
          AND c.account_id BETWEEN %s AND %s AND pa.id BETWEEN %s AND %s
          AND c.paid_at IS NOT NULL AND c.credit_fen > 0 AND pa.status = 'ACTIVE'
          AND NOT EXISTS (
              SELECT 1 FROM accounts_posting done
              WHERE done.to_account_id = pa.current_id AND done.period = c.period
                AND done.kind = %s
          )
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING to_account_id, amount_fen, kind
    """
    retiree = """
        INSERT INTO accounts_posting
            (from_account_id, to_account_id, amount_fen, kind, period, reference,
             idempotency_key, created_at)
        SELECT %(fund)s, pa.current_id,
               CASE WHEN p.birth_date <= %(cutoff)s THEN %(from_fen)s ELSE %(below_fen)s END,
               %(kind)s, %(period)s, %(reference)s,
               'credit:' || pa.id || ':' || %(period)s, %(now)s
        FROM accounts_personalaccount pa
        JOIN accounts_insuredperson p ON p.id = pa.person_id
        WHERE pa.region_id = %(region)s AND pa.id BETWEEN %(lo)s AND %(hi)s
          AND pa.status = 'ACTIVE' AND p.retired = %(retired)s
          AND pa.opened_period <= %(period)s
          AND (CASE WHEN p.birth_date <= %(cutoff)s THEN %(from_fen)s ELSE %(below_fen)s END) > 0
          AND NOT EXISTS (
              SELECT 1 FROM accounts_contribution c
              WHERE c.account_id = pa.id AND c.period = %(period)s
          )
          AND NOT EXISTS (
              SELECT 1 FROM accounts_posting done
              WHERE done.to_account_id = pa.current_id AND done.period = %(period)s
                AND done.kind = %(kind)s
          )
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING to_account_id, amount_fen, kind
    """
    cursor.execute(
        in_service,
        [fund_id, IN_SERVICE, reference, now, region.code, *periods, *chunk, *chunk, IN_SERVICE],
    )
    inserted = list(cursor.fetchall())
    for period in periods:
        cursor.execute(
            retiree,
            {
                "fund": fund_id,
                "kind": RETIREE,
                "period": period,
                "reference": reference,
                "now": now,
                "region": region.code,
                "lo": chunk[0],
                "hi": chunk[1],
                "retired": True,
                "from_fen": from_fen,
                "below_fen": below_fen,
                "cutoff": age_band_cutoff(period=period, age=policy.retiree_age_threshold),
            },
        )
        inserted += cursor.fetchall()
    return inserted


def _apply_balances(*, cursor, deltas: dict[int, int]) -> None:
    """Add amounts to ledger balances, locking the rows in primary-key order first."""
    if not deltas:
        return
    ids = sorted(deltas)
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT id FROM accounts_ledgeraccount WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            [ids],
        )
        cursor.execute(
            """UPDATE accounts_ledgeraccount SET balance_fen = balance_fen + v.delta
               FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, delta)
               WHERE accounts_ledgeraccount.id = v.id""",
            [ids, [deltas[i] for i in ids]],
        )
    else:
        cursor.executemany(
            "UPDATE accounts_ledgeraccount SET balance_fen = balance_fen + %s WHERE id = %s",
            [(deltas[i], i) for i in ids],
        )


def _credit_chunk(*, chunk, region: Region, fund_id: int, periods, run) -> tuple[int, int, int]:
    with transaction.atomic(), connection.cursor() as cursor:
        inserted = _insert_credit_postings(
            cursor=cursor, chunk=chunk, region=region, fund_id=fund_id, periods=periods, run=run
        )
        deltas: dict[int, int] = {}
        for account_id, amount, _kind in inserted:
            deltas[account_id] = deltas.get(account_id, 0) + amount
        total = sum(deltas.values())
        if total:
            deltas[fund_id] = deltas.get(fund_id, 0) - total
        _apply_balances(cursor=cursor, deltas=deltas)
        retirees = sum(1 for *_rest, kind in inserted if kind == RETIREE)
        MonthlyCreditRun.objects.filter(pk=run.pk).update(
            chunks_done=F("chunks_done") + 1,
            credited_count=F("credited_count") + len(inserted),
            retiree_count=F("retiree_count") + retirees,
            credited_fen=F("credited_fen") + total,
        )
        return len(inserted), retirees, total


class _PostingStatistics:
    """Keep PostgreSQL's row estimate of the posting table current during a long run.

    A run adds up to a million postings; with the estimate of the table before the run the
    planner would scan the new rows once per candidate instead of probing the index.
    """

    def __init__(self):
        self.added = 0
        self.estimate = self._estimate()

    @staticmethod
    def _estimate() -> int:
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE relname = 'accounts_posting'"
            )
            return max(int(cursor.fetchone()[0]), 0)

    def grew(self, count: int) -> None:
        if connection.vendor != "postgresql":
            return
        self.added += count
        if self.added > max(10_000, self.estimate // 5):
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE accounts_posting")
            self.added, self.estimate = 0, self._estimate()


def _chunks(region: Region) -> list[tuple[int, int]]:
    bounds = PersonalAccount.objects.filter(region=region).aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    return [
        (start, min(start + CHUNK_SIZE - 1, bounds["hi"]))
        for start in range(bounds["lo"], bounds["hi"] + 1, CHUNK_SIZE)
    ]


def monthly_credit_run(
    *, region_code: str, period: str | None = None, triggered_by: str = ""
) -> MonthlyCreditRun:
    """Credit every eligible period not yet credited (backfill included), chunk by chunk."""
    region = Region.objects.select_related("policy").get(pk=region_code)
    periods = eligible_periods(region=region, only=period)
    fund = region_account(region=region)
    chunks = _chunks(region) if periods else []
    run = MonthlyCreditRun.objects.create(
        region=region, periods=periods, triggered_by=triggered_by, chunks_total=len(chunks)
    )
    try:
        fresh_stats = _PostingStatistics()
        for chunk in chunks:
            count, _retirees, _total = _credit_chunk(
                chunk=chunk, region=region, fund_id=fund.pk, periods=periods, run=run
            )
            fresh_stats.grew(count)
    except Exception as exc:
        MonthlyCreditRun.objects.filter(pk=run.pk).update(
            status=MonthlyCreditRun.Status.FAILED, error=repr(exc), finished_at=timezone.now()
        )
        logger.exception("monthly credit run %s failed", run.pk)
        raise
    MonthlyCreditRun.objects.filter(pk=run.pk).update(
        status=MonthlyCreditRun.Status.SUCCEEDED, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


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
    reference = f"carry-over:{year}"
    for start in range(bounds["lo"], bounds["hi"] + 1, CHUNK_SIZE):
        chunk = (start, start + CHUNK_SIZE - 1)
        with transaction.atomic(), connection.cursor() as cursor:
            # Lock first, in primary-key order, so the amounts read are the final ones.
            if connection.vendor == "postgresql":
                cursor.execute(
                    """SELECT la.id FROM accounts_ledgeraccount la
                       JOIN accounts_personalaccount pa
                         ON la.id = pa.current_id OR la.id = pa.carried_id
                       WHERE pa.id BETWEEN %s AND %s ORDER BY la.id FOR UPDATE OF la""",
                    chunk,
                )
            cursor.execute(
                """INSERT INTO accounts_posting
                        (from_account_id, to_account_id, amount_fen, kind, period, reference,
                         idempotency_key, created_at)
                    SELECT pa.current_id, pa.carried_id, cur.balance_fen, 'CARRY_OVER', %s, %s,
                           %s || pa.id, %s
                    FROM accounts_personalaccount pa
                    JOIN accounts_ledgeraccount cur ON cur.id = pa.current_id
                    WHERE pa.id BETWEEN %s AND %s AND cur.balance_fen > 0
                    ON CONFLICT (idempotency_key) DO NOTHING
                    RETURNING from_account_id, to_account_id, amount_fen""",
                [f"{year}12", reference, f"carry:{year}:", timezone.now(), *chunk],
            )
            deltas: dict[int, int] = {}
            for source, target, amount in cursor.fetchall():
                deltas[source] = -amount
                deltas[target] = deltas.get(target, 0) + amount
                moved += 1
            _apply_balances(cursor=cursor, deltas=deltas)
    return moved
