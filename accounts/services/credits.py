"""Monthly credit (个人账户划入, 每月返钱) and the year-end carry-over (结转), set-based.

Each credit is one posting from the region fund to the account's current-year part, keyed
`credit:<personal account>:<period>`; the database's unique key makes every period land
exactly once, whether a run is retried, killed halfway or started twice at the same time.
Work goes in chunks of accounts (by id range), each chunk one short transaction.
"""

import datetime as dt
import logging
import uuid
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
    chunk: tuple[int, int],
    region: Region,
    fund_id: int,
    periods: list[str],
    run: MonthlyCreditRun,
) -> None:
    """Insert this chunk's missing credit postings (ON CONFLICT: never a second one)."""
    now = timezone.now()
    policy = region.policy
    below_fen, from_fen = retiree_amounts_fen(policy=policy)
    placeholders = ", ".join(["%s"] * len(periods))
    in_service = f"""
        INSERT INTO accounts_posting
            (from_account_id, to_account_id, amount_fen, kind, period, reference,
             idempotency_key, created_at)
        SELECT %s, pa.current_id, c.credit_fen, %s, c.period, %s,
               'credit:' || pa.id || ':' || c.period, %s
        FROM accounts_contribution c
        JOIN accounts_personalaccount pa ON pa.id = c.account_id
        WHERE c.region_id = %s AND c.period IN ({placeholders})
          AND c.account_id BETWEEN %s AND %s
          AND c.paid_at IS NOT NULL AND c.credit_fen > 0 AND pa.status = 'ACTIVE'
        ON CONFLICT (idempotency_key) DO NOTHING
    """
    retiree = """
        INSERT INTO accounts_posting
            (from_account_id, to_account_id, amount_fen, kind, period, reference,
             idempotency_key, created_at)
        SELECT %s, pa.current_id,
               CASE WHEN p.birth_date <= %s THEN %s ELSE %s END, %s, %s, %s,
               'credit:' || pa.id || ':' || %s, %s
        FROM accounts_personalaccount pa
        JOIN accounts_insuredperson p ON p.id = pa.person_id
        WHERE pa.region_id = %s AND pa.id BETWEEN %s AND %s
          AND pa.status = 'ACTIVE' AND p.retired = %s AND pa.opened_period <= %s
          AND (CASE WHEN p.birth_date <= %s THEN %s ELSE %s END) > 0
          AND NOT EXISTS (
              SELECT 1 FROM accounts_contribution c
              WHERE c.account_id = pa.id AND c.period = %s
          )
        ON CONFLICT (idempotency_key) DO NOTHING
    """
    reference = f"credit-run:{run.pk}"
    with connection.cursor() as cursor:
        cursor.execute(
            in_service,
            [fund_id, IN_SERVICE, reference, now, region.code, *periods, *chunk],
        )
        for period in periods:
            cutoff = age_band_cutoff(period=period, age=policy.retiree_age_threshold)
            cursor.execute(
                retiree,
                [
                    fund_id,
                    cutoff,
                    from_fen,
                    below_fen,
                    RETIREE,
                    period,
                    reference,
                    period,
                    now,
                    region.code,
                    *chunk,
                    True,
                    period,
                    cutoff,
                    from_fen,
                    below_fen,
                    period,
                ],
            )


def _apply_chunk_balances(*, chunk: tuple[int, int], fund_id: int, run: MonthlyCreditRun):
    """Add this run's new postings of the chunk to the balances; lock in primary-key order."""
    reference = f"credit-run:{run.pk}"
    new_postings = """
        SELECT p.to_account_id AS account_id, SUM(p.amount_fen) AS total, COUNT(*) AS n,
               SUM(CASE WHEN p.kind = %s THEN 1 ELSE 0 END) AS retirees
        FROM accounts_posting p
        JOIN accounts_personalaccount pa ON pa.current_id = p.to_account_id
        WHERE p.reference = %s AND pa.id BETWEEN %s AND %s
        GROUP BY p.to_account_id
    """
    params = [RETIREE, reference, *chunk]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""SELECT id FROM accounts_ledgeraccount
                    WHERE id = %s OR id IN (SELECT account_id FROM ({new_postings}) s)
                    ORDER BY id FOR UPDATE""",
                [fund_id, *params],
            )
        cursor.execute(
            f"""SELECT COALESCE(SUM(total), 0), COALESCE(SUM(n), 0), COALESCE(SUM(retirees), 0)
                FROM ({new_postings}) s""",
            params,
        )
        total, count, retirees = (int(v) for v in cursor.fetchone())
        if not count:
            return 0, 0, 0
        cursor.execute(
            f"""UPDATE accounts_ledgeraccount SET balance_fen = balance_fen + s.total
                FROM ({new_postings}) s WHERE accounts_ledgeraccount.id = s.account_id""",
            params,
        )
        cursor.execute(
            "UPDATE accounts_ledgeraccount SET balance_fen = balance_fen - %s WHERE id = %s",
            [total, fund_id],
        )
    return count, retirees, total


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
        for chunk in chunks:
            with transaction.atomic():
                _insert_credit_postings(
                    chunk=chunk, region=region, fund_id=fund.pk, periods=periods, run=run
                )
                count, retirees, total = _apply_chunk_balances(
                    chunk=chunk, fund_id=fund.pk, run=run
                )
                MonthlyCreditRun.objects.filter(pk=run.pk).update(
                    chunks_done=F("chunks_done") + 1,
                    credited_count=F("credited_count") + count,
                    retiree_count=F("retiree_count") + retirees,
                    credited_fen=F("credited_fen") + total,
                )
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
    moved = 0
    now = timezone.now()
    bounds = PersonalAccount.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return 0
    reference = f"carry-over:{year}:{uuid.uuid4().hex[:12]}"
    for start in range(bounds["lo"], bounds["hi"] + 1, CHUNK_SIZE):
        chunk = (start, start + CHUNK_SIZE - 1)
        with transaction.atomic(), connection.cursor() as cursor:
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
                    ON CONFLICT (idempotency_key) DO NOTHING""",
                [f"{year}12", reference, f"carry:{year}:", now, *chunk],
            )
            inserted = cursor.rowcount
            if inserted:
                new = """SELECT p.from_account_id, p.to_account_id, p.amount_fen
                         FROM accounts_posting p
                         JOIN accounts_personalaccount pa ON pa.current_id = p.from_account_id
                         WHERE p.reference = %s AND pa.id BETWEEN %s AND %s"""
                params = [reference, *chunk]
                cursor.execute(
                    f"""UPDATE accounts_ledgeraccount SET balance_fen = balance_fen - s.amount_fen
                        FROM ({new}) s WHERE accounts_ledgeraccount.id = s.from_account_id""",
                    params,
                )
                cursor.execute(
                    f"""UPDATE accounts_ledgeraccount SET balance_fen = balance_fen + s.amount_fen
                        FROM ({new}) s WHERE accounts_ledgeraccount.id = s.to_account_id""",
                    params,
                )
            moved += inserted
    return moved
