"""Benchmark: the monthly credit run (每月划入) over a city of accounts on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        bench/monthly_credit.py [--accounts 1000000]

It creates (and at the end drops) its own database `yibao_bench_credit` on that server:
N employee accounts in 西安 (10% retirees) with a paid contribution for one assessed period.
It measures, on the same database and the project's own tables:
  - the floor: one INSERT ... SELECT writing the same posting rows and one UPDATE ... FROM
    adding the same amounts to the balances (rolled back); with --floor-fk-checks, for
    information, also the deferred foreign-key checks of those rows, which the rollback skips;
  - the credit run end to end: the Celery task from its start to its last commit;
  - a second run with nothing eligible; the peak memory of this process (the worker).
"""

import argparse
import io
import resource
import sys

import support

BENCH_DB = "yibao_bench_credit"
PERIOD = "202610"
REGION = "610100"


def build_accounts(cursor, count: int) -> None:
    """N persons (every 10th retired), their personal accounts and one paid contribution each
    for the in-service ones, all with set-based SQL."""
    cursor.execute(
        """INSERT INTO accounts_insuredperson
               (national_id, name, phone, birth_date, retired, pension, created_at, updated_at)
           SELECT '6101130' || lpad(g::text, 11, '0'), '参保人' || g, '',
                  date '1950-01-01' + (g %% 20000), g %% 10 = 0,
                  CASE WHEN g %% 10 = 0 THEN 3500 END, now(), now()
           FROM generate_series(1, %s) AS g""",
        [count],
    )
    for kind in ("PERSON_CURRENT", "PERSON_CARRIED"):
        cursor.execute(
            """INSERT INTO accounts_ledgeraccount
                   (kind, person_id, region_id, code, balance_fen, updated_at)
               SELECT %s, id, %s, '', 0, now() FROM accounts_insuredperson ORDER BY id""",
            [kind, REGION],
        )
    cursor.execute(
        """INSERT INTO accounts_personalaccount
               (person_id, region_id, record_id, status, status_reason, current_id, carried_id,
                opened_period, opened_at, updated_at)
           SELECT p.id, %s, '', 'ACTIVE', '', cur.id, car.id, '202601', now(), now()
           FROM accounts_insuredperson p
           JOIN accounts_ledgeraccount cur ON cur.person_id = p.id AND cur.kind = 'PERSON_CURRENT'
           JOIN accounts_ledgeraccount car ON car.person_id = p.id AND car.kind = 'PERSON_CARRIED'
           ORDER BY p.id""",
        [REGION],
    )
    cursor.execute(
        """INSERT INTO accounts_contribution
               (account_id, person_id, region_id, period, reported_base_fen, base_fen,
                employer_share_fen, individual_share_fen, credit_fen, paid_at, created_at)
           SELECT pa.id, pa.person_id, %s, %s, 800000, 800000, 64000, 16000, 16000, now(), now()
           FROM accounts_personalaccount pa
           JOIN accounts_insuredperson p ON p.id = pa.person_id
           WHERE NOT p.retired""",
        [REGION, PERIOD],
    )


def floor_sql(cursor, fund_id: int, cutoff, below_fen: int, from_fen: int) -> None:
    """The same posting rows in one INSERT ... SELECT, the same balances in one UPDATE ... FROM."""
    amounts = """
        SELECT pa.id AS account_id, pa.current_id,
               COALESCE(c.credit_fen,
                        CASE WHEN p.birth_date <= %(cutoff)s THEN %(from_fen)s
                             ELSE %(below_fen)s END) AS amount_fen,
               COALESCE('credit:c' || c.id, 'credit:' || pa.id || ':' || %(period)s)
                   AS idempotency_key
        FROM accounts_personalaccount pa
        JOIN accounts_insuredperson p ON p.id = pa.person_id
        LEFT JOIN accounts_contribution c ON c.account_id = pa.id AND c.period = %(period)s
        WHERE pa.region_id = %(region)s
    """
    params = {
        "cutoff": cutoff,
        "from_fen": from_fen,
        "below_fen": below_fen,
        "period": PERIOD,
        "region": REGION,
        "fund": fund_id,
    }
    cursor.execute(
        f"""INSERT INTO accounts_posting
                (from_account_id, to_account_id, amount_fen, kind, period, reference,
                 idempotency_key, created_at)
            SELECT %(fund)s, a.current_id, a.amount_fen, 'CREDIT', %(period)s, 'floor',
                   a.idempotency_key, now()
            FROM ({amounts}) a""",
        params,
    )
    cursor.execute(
        f"""UPDATE accounts_ledgeraccount SET balance_fen = balance_fen + a.amount_fen
            FROM ({amounts}) a WHERE accounts_ledgeraccount.id = a.current_id""",
        params,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--floor-fk-checks",
        action="store_true",
        help="also time the deferred foreign-key checks the rolled-back floor skips",
    )
    args = parser.parse_args()
    url = support.server_url()
    support.recreate_database(url, BENCH_DB)
    support.setup_django(url, BENCH_DB)

    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import Region
    from accounts.selectors import policy_for_period
    from accounts.services import credits, ledger, periods
    from accounts.tasks import run_monthly_credit

    print(f"monthly credit benchmark: {args.accounts:,} accounts in {REGION}, period {PERIOD}")
    call_command("migrate", verbosity=0)
    region = Region.objects.get(pk=REGION)
    with connection.cursor() as cursor:
        support.timed(
            "build accounts and contributions", lambda: build_accounts(cursor, args.accounts)
        )
    period = periods.accounting_period_open(region=region, period=PERIOD)
    periods.accounting_period_assess(period=period)
    fund = ledger.region_account(region=region)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    policy = policy_for_period(REGION, PERIOD)
    below_fen, from_fen = credits.retiree_amounts_fen(policy=policy)
    cutoff = credits.age_band_cutoff(period=PERIOD, age=policy.retiree_age_threshold)

    def run_floor() -> tuple[float, float | None]:
        """The floor's seconds, and with --floor-fk-checks those of its deferred foreign-key
        checks, which a rolled-back transaction never runs but every commit of the credit run
        does (off by default, so that the run follows exactly the floor the issue defines)."""
        checks_seconds = None
        with transaction.atomic(), connection.cursor() as cursor:
            floor_seconds, _ = support.timed(
                "floor (INSERT ... SELECT + UPDATE ... FROM, rolled back)",
                lambda: floor_sql(cursor, fund.pk, cutoff, below_fen, from_fen),
            )
            if args.floor_fk_checks:
                checks_seconds, _ = support.timed(
                    "the floor's foreign-key checks (SET CONSTRAINTS ALL IMMEDIATE)",
                    lambda: cursor.execute("SET CONSTRAINTS ALL IMMEDIATE"),
                )
            transaction.set_rollback(True)
        return floor_seconds, checks_seconds

    floor_seconds, checks_seconds = run_floor()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE accounts_posting")
        cursor.execute("VACUUM ANALYZE accounts_ledgeraccount")

    run_seconds, result = support.timed(
        "credit run (task start to last commit)",
        lambda: run_monthly_credit.apply(args=(REGION,)).get(),
    )
    rerun_seconds, rerun = support.timed(
        "second run, nothing eligible", lambda: run_monthly_credit.apply(args=(REGION,)).get()
    )
    verify_seconds, _ = support.timed(
        "verify_ledger", lambda: call_command("verify_ledger", stdout=io.StringIO())
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    credited = result["credited"]
    print()
    print(f"credited:            {credited:,} accounts, {result['amount']} yuan")
    print(f"credit run:          {run_seconds:.2f} s = {credited / run_seconds:,.0f} accounts/s")
    print(f"floor (same rows):   {floor_seconds:.2f} s = {credited / floor_seconds:,.0f} rows/s")
    print(f"ratio to floor:      {run_seconds / floor_seconds:.2f}x   (target <= 2x, <= 20 s)")
    if checks_seconds is not None:
        with_checks = floor_seconds + checks_seconds
        print(
            f"floor + its FK checks: {with_checks:.2f} s, ratio {run_seconds / with_checks:.2f}x"
            "   (information: the floor above is rolled back before them)"
        )
    print(
        f"second run:          {rerun_seconds:.2f} s, credited {rerun['credited']}   (target < 2 s)"
    )
    print(f"verify_ledger:       {verify_seconds:.2f} s")
    print(f"peak worker memory:  {peak_mb:.0f} MB   (target < 500 MB)")
    if credited != args.accounts:
        sys.exit(f"expected {args.accounts} credits, got {credited}")
    if not args.keep:
        support.drop_database(url, BENCH_DB)


if __name__ == "__main__":
    main()
