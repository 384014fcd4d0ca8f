"""Benchmark: an employer difference-refund batch (单位差额退费) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        bench/refund_batch.py [--items 100000]

It creates (and at the end drops) its own database `yibao_bench_refund` on that server: one
employer in 西安 with N/6 employees, each with a paid contribution for April–September 2024;
2% of the items belong to employees who stopped (left, retired, whole-unit transfer) before
the window. It measures, on the same database and the project's own tables:
  - the floor: one INSERT of the same item rows (already calculated) and one posting with its
    two balances (rolled back);
  - validation (`refund_batch_check`), calculation (`refund_batch_create`) and approval
    (`refund_batch_approve`), each timed, and their sum against the floor;
  - the peak memory of this process.
"""

import argparse
import json
import resource
import sys

import support

BENCH_DB = "yibao_bench_refund"
REGION = "610100"
PERIODS = ["202404", "202405", "202406", "202407", "202408", "202409"]
BASE_FEN, CORRECTED_FEN = 800_000, 600_000


def build(cursor, employees: int, stopped: int, employer_code: str) -> int:
    """The employer, its employees (the first `stopped` stopped on 10 April 2024), their
    personal accounts and a paid contribution per period, all set-based; the employer's id."""
    cursor.execute(
        """INSERT INTO accounts_employer (code, name, region_id, contact_phone, created_at,
                                          updated_at)
           VALUES (%s, '西安测试单位', %s, '', now(), now()) RETURNING id""",
        [employer_code, REGION],
    )
    employer_id = cursor.fetchone()[0]
    cursor.execute(
        """INSERT INTO accounts_insuredperson
               (national_id, name, phone, birth_date, retired, created_at, updated_at)
           SELECT '6101130' || lpad(g::text, 11, '0'), '职工' || g, '', date '1980-01-01',
                  g <= %s AND g %% 3 = 1, now(), now()
           FROM generate_series(1, %s) AS g""",
        [stopped, employees],
    )
    cursor.execute(
        """INSERT INTO enrollment_enrollment
               (person_id, region_id, scheme, employer_id, record_id, status, status_reason,
                stopped_at, stop_reason, registered_at, reported_name, resolution_exempt,
                updated_at)
           SELECT p.id, %s, 'EMPLOYEE', %s, '', CASE WHEN n <= %s THEN 'STOPPED' ELSE 'ACTIVE' END,
                  '', CASE WHEN n <= %s THEN date '2024-04-10' END,
                  CASE WHEN n > %s THEN ''
                       WHEN n %% 3 = 0 THEN 'LEFT'
                       WHEN n %% 3 = 1 THEN 'RETIRED'
                       ELSE 'WHOLE_UNIT_TRANSFER' END,
                  timestamptz '2020-01-01 00:00+08', '', false, now()
           FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM accounts_insuredperson) p""",
        [REGION, employer_id, stopped, stopped, stopped],
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
           SELECT p.id, %s, '', 'ACTIVE', '', cur.id, car.id, '202001', now(), now()
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
           SELECT pa.id, pa.person_id, %s, period, %s, %s, %s, %s, %s, now(), now()
           FROM accounts_personalaccount pa CROSS JOIN unnest(%s::text[]) AS period""",
        [
            REGION,
            BASE_FEN,
            BASE_FEN,
            BASE_FEN * 8 // 100,
            BASE_FEN * 2 // 100,
            BASE_FEN * 2 // 100,
            PERIODS,
        ],
    )
    return employer_id


def batch_items(cursor, count: int) -> list[dict]:
    """The items as the tax department sends them: employee by employee, six months each."""
    cursor.execute("SELECT national_id FROM accounts_insuredperson ORDER BY id")
    ids = [row[0] for row in cursor.fetchall()]
    items = [
        {
            "national_id": national_id,
            "period": period,
            "paid_base": f"{BASE_FEN // 100}.00",
            "corrected_base": f"{CORRECTED_FEN // 100}.00",
        }
        for national_id in ids
        for period in PERIODS
    ]
    return items[:count]


def floor_sql(
    cursor, *, employer_id: int, person_rows: list[tuple], fund_id: int, pending_id: int
) -> None:
    """The same item rows, calculated already, in one INSERT; one posting and its balances."""
    cursor.execute(
        """INSERT INTO refunds_refundbatch
               (reference, region_id, employer_id, periods, status, item_count, person_count,
                excluded_count, employer_paid_fen, individual_paid_fen, employer_due_fen,
                individual_due_fen, employer_refund_fen, individual_refund_fen, received_at,
                reason, posting_key)
           VALUES ('floor', %s, %s, '[]', 'RECEIVED', 0, 0, 0, 0, 0, 0, 0, 0, 0, now(), '', '')
           RETURNING id""",
        [REGION, employer_id],
    )
    batch_id = cursor.fetchone()[0]
    employer_paid, individual_paid = BASE_FEN * 8 // 100, BASE_FEN * 2 // 100
    employer_due, individual_due = CORRECTED_FEN * 8 // 100, CORRECTED_FEN * 2 // 100
    rows = [
        {
            "line": line,
            "person_id": person_id,
            "period": period,
            "exclusion": exclusion,
            "employer_refund_fen": 0 if exclusion else employer_paid - employer_due,
            "individual_refund_fen": 0 if exclusion else individual_paid - individual_due,
        }
        for line, (person_id, period, exclusion) in enumerate(person_rows)
    ]
    cursor.execute(
        """INSERT INTO refunds_refunditem
               (batch_id, line, person_id, period, paid_base_fen, corrected_base_fen,
                applied_base_fen, employer_paid_fen, individual_paid_fen, employer_due_fen,
                individual_due_fen, employer_refund_fen, individual_refund_fen, exclusion)
           SELECT %s, line, person_id, period, %s, %s, %s, %s, %s, %s, %s,
                  employer_refund_fen, individual_refund_fen, exclusion
           FROM jsonb_to_recordset(%s::jsonb) AS r (line integer, person_id bigint, period text,
                exclusion text, employer_refund_fen bigint, individual_refund_fen bigint)""",
        [
            batch_id,
            BASE_FEN,
            CORRECTED_FEN,
            CORRECTED_FEN,
            employer_paid,
            individual_paid,
            employer_due,
            individual_due,
            json.dumps(rows),
        ],
    )
    total = sum(r["employer_refund_fen"] + r["individual_refund_fen"] for r in rows)
    cursor.execute(
        """INSERT INTO accounts_posting (from_account_id, to_account_id, amount_fen, kind, period,
                                         reference, idempotency_key, created_at)
           VALUES (%s, %s, %s, 'REFUND_BATCH', '', 'floor', 'floor', now())""",
        [fund_id, pending_id, total],
    )
    cursor.execute(
        """UPDATE accounts_ledgeraccount
           SET balance_fen = balance_fen + CASE WHEN id = %s THEN %s ELSE -%s END
           WHERE id IN (%s, %s)""",
        [pending_id, total, total, fund_id, pending_id],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    url = support.server_url()
    support.recreate_database(url, BENCH_DB)
    support.setup_django(url, BENCH_DB)

    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.identity import credit_code_check_char
    from accounts.models import Employer, Region, User
    from accounts.services import ledger
    from refunds.models import RefundItem
    from refunds.services import batches

    employees = -(-args.items // len(PERIODS))
    stopped = round(employees * 0.02)
    print(
        f"refund batch benchmark: {args.items:,} items, {employees:,} employees × "
        f"{len(PERIODS)} months, {stopped:,} employees stopped (2%)"
    )
    call_command("migrate", verbosity=0)
    body = f"91{REGION}MA0000001"
    code = body + credit_code_check_char(body)
    with connection.cursor() as cursor:
        _seconds, employer_id = support.timed(
            "build employees, enrollments and contributions",
            lambda: build(cursor, employees, stopped, code),
        )
        cursor.execute("VACUUM ANALYZE")
        items = batch_items(cursor, args.items)
    employer = Employer.objects.get(pk=employer_id)
    region = Region.objects.get(pk=REGION)
    fund = ledger.region_account(region=region)
    pending = ledger.employer_account(employer=employer)
    staff = User.objects.create(
        username="bench-staff", kind=User.Kind.STAFF, is_staff=True, is_superuser=True
    )

    # The floor's rows: what the calculation will write, by person and period.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_insuredperson ORDER BY id")
        person_ids = [row[0] for row in cursor.fetchall()]
    stopped_ids = set(person_ids[:stopped])
    person_rows = [
        (person_id, period, "X" if person_id in stopped_ids else "")
        for person_id in person_ids
        for period in PERIODS
    ][: args.items]

    with transaction.atomic(), connection.cursor() as cursor:
        floor_seconds, _ = support.timed(
            "floor (INSERT of the item rows + one posting, rolled back)",
            lambda: floor_sql(
                cursor,
                employer_id=employer_id,
                person_rows=person_rows,
                fund_id=fund.pk,
                pending_id=pending.pk,
            ),
        )
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE refunds_refunditem")

    check_seconds, checked = support.timed(
        "validation (refund_batch_check)",
        lambda: batches.refund_batch_check(
            reference="BENCH-2024",
            region_code=REGION,
            employer_code=code,
            periods=PERIODS,
            items=items,
        ),
    )
    create_seconds, batch = support.timed(
        "calculation (refund_batch_create)",
        lambda: batches.refund_batch_create(checked=checked, submitted_by=None),
    )
    approve_seconds, batch = support.timed(
        "approval (refund_batch_approve)",
        lambda: batches.refund_batch_approve(batch_id=batch.pk, by=staff),
    )
    verify_seconds, _ = support.timed(
        "verify_ledger", lambda: call_command("verify_ledger", stdout=sys.stdout)
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = check_seconds + create_seconds + approve_seconds
    excluded = RefundItem.objects.filter(batch=batch).exclude(exclusion="").count()
    print()
    print(f"items:               {batch.item_count:,} ({excluded:,} excluded)")
    print(f"refund:              {batch.refund} yuan")
    print(f"validation:          {check_seconds:.2f} s")
    print(f"calculation:         {create_seconds:.2f} s")
    print(f"approval:            {approve_seconds:.2f} s")
    print(f"all three:           {total:.2f} s   (target <= 20 s)")
    print(f"floor (same rows):   {floor_seconds:.2f} s")
    print(f"ratio {total / floor_seconds:.2f}x")
    print(f"verify_ledger:       {verify_seconds:.2f} s")
    print(f"peak memory:         {peak_mb:.0f} MB   (target < 500 MB)")
    if batch.item_count != args.items:
        sys.exit(f"expected {args.items} items, got {batch.item_count}")
    if not args.keep:
        support.drop_database(url, BENCH_DB)


if __name__ == "__main__":
    main()
