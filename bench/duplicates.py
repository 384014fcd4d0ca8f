"""Benchmark: duplicate-enrollment resolution (重复参保, 就高就新) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        bench/duplicates.py [--persons 800000] [--enrollments 1000000] [--keep] [--statements S]

It creates (and at the end drops) its own database `yibao_bench_dup` on that server and
loads with COPY: ~800,000 persons with 1,000,000 enrollments in four regions, of whom
100,000 are duplicates spread over every rule (employee + resident, employee in two cities,
resident in two or three regions with payment ties, three-way, four-record mixed, employee +
flexible, two 个人编号 in one city with personal accounts and money, a legacy record with
another name), plus stopped records of moved persons that are no duplicates.

It measures on the same data:
  - the floor: ONE UPDATE with a window function that keeps one ACTIVE enrollment per person
    and suspends the rest (no cases, no rules beyond an ordering), committed, then undone;
  - the resolution (the Celery task, in-process): rules, cases with their records and the
    enrollment updates in one transaction; then, timed apart, the follow-up task merging the
    personal accounts through accounts.personal_accounts_merge_many (set-based, by chunks);
  - a second run with nothing left to do; verify_ledger.
and checks the outcome against what the data was built to produce.
"""

import argparse
import datetime as dt
import io
import sys
import time
from collections import Counter

import support

BENCH_DB = "yibao_bench_dup"
XIAN, TAIYUAN, BAOJI, BEIJING = "610100", "140100", "610300", "110100"
REGIONS = (XIAN, TAIYUAN, BAOJI, BEIJING)
TZ = dt.timezone(dt.timedelta(hours=8))

# Duplicate persons by kind: (count, expected cases by rule, expected records by rule)
KINDS = {
    "employee+resident": (20_000, {"EMPLOYEE_OVER_RESIDENT": 1}, {"EMPLOYEE_OVER_RESIDENT": 1}),
    "flexible+resident": (5_000, {"EMPLOYEE_OVER_RESIDENT": 1}, {"EMPLOYEE_OVER_RESIDENT": 1}),
    "employee x2 cities": (15_000, {"EMPLOYEE_NEWEST": 1}, {"EMPLOYEE_NEWEST": 1}),
    "employee+flexible": (5_000, {"SAME_REGION_MERGE": 1}, {"SAME_REGION_MERGE": 1}),
    "resident x2 (half tied)": (15_000, {"RESIDENT_NEWEST": 1}, {"RESIDENT_NEWEST": 1}),
    "resident x3 (tied)": (5_000, {"RESIDENT_NEWEST": 2}, {"RESIDENT_NEWEST": 2}),
    "employee x2 cities+resident": (
        10_000,
        {"EMPLOYEE_NEWEST": 1, "EMPLOYEE_OVER_RESIDENT": 1},
        {"EMPLOYEE_NEWEST": 1, "EMPLOYEE_OVER_RESIDENT": 1},
    ),
    "two records, money": (10_000, {"SAME_REGION_MERGE": 1}, {"SAME_REGION_MERGE": 1}),
    "two records+city+resident": (
        10_000,
        {"SAME_REGION_MERGE": 1, "EMPLOYEE_NEWEST": 1, "EMPLOYEE_OVER_RESIDENT": 1},
        {"SAME_REGION_MERGE": 1, "EMPLOYEE_NEWEST": 1, "EMPLOYEE_OVER_RESIDENT": 1},
    ),
    "legacy record, other name": (5_000, {"NAME_MISMATCH": 1}, {"NAME_MISMATCH": 2}),
}


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=TZ)


PAID_NEW, PAID_OLD, PAID_RES, PAID_RES_OLD = (
    at("2026-11-05"),
    at("2026-06-05"),
    at("2025-12-20"),
    at("2024-12-18"),
)
REG_OLD, REG_NEW = at("2012-03-01"), at("2021-09-01")


class Builder:
    """Rows for COPY: persons, enrollments, and for the money merges accounts and postings."""

    def __init__(self, employers: dict[str, int]):
        self.employers = employers
        self.persons: list[tuple] = []
        self.enrollments: list[tuple] = []
        self.accounts: list[
            tuple
        ] = []  # (person_id, region, record_id, current_fen, carried_fen, period)
        self.next_enrollment = 1

    def person(self, name_suffix: str = "") -> int:
        pid = len(self.persons) + 1
        self.persons.append((pid, f"610113{pid:012d}", f"参保人{pid}{name_suffix}"))
        return pid

    def enroll(
        self,
        pid,
        scheme,
        region,
        paid,
        registered=REG_OLD,
        *,
        record_id="",
        status="ACTIVE",
        reported_name="",
    ):
        employer = self.employers[region] if scheme == "EMPLOYEE" else None
        self.enrollments.append(
            (self.next_enrollment, pid, region, scheme, employer, record_id, status, "",
             registered, paid, reported_name, False)
        )  # fmt: skip
        self.next_enrollment += 1

    def duplicate(self, kind: str, n: int) -> None:
        p = self.person()
        e = self.enroll
        if kind == "employee+resident":
            e(p, "EMPLOYEE", XIAN, PAID_OLD)
            e(p, "RESIDENT", (XIAN, BAOJI)[n % 2], PAID_RES)
        elif kind == "flexible+resident":
            e(p, "FLEXIBLE", XIAN, PAID_NEW)
            e(p, "RESIDENT", TAIYUAN, PAID_RES)
        elif kind == "employee x2 cities":
            e(p, "EMPLOYEE", XIAN, (PAID_OLD, PAID_NEW)[n % 2])
            e(p, "EMPLOYEE", TAIYUAN, (PAID_NEW, PAID_OLD)[n % 2], REG_NEW)
        elif kind == "employee+flexible":
            e(p, "EMPLOYEE", BEIJING, PAID_OLD)
            e(p, "FLEXIBLE", BEIJING, PAID_NEW, REG_NEW)
        elif kind == "resident x2 (half tied)":
            e(p, "RESIDENT", XIAN, PAID_RES if n % 2 else PAID_RES_OLD, REG_NEW)
            e(p, "RESIDENT", BAOJI, PAID_RES, REG_OLD)
        elif kind == "resident x3 (tied)":
            for region, registered in ((XIAN, REG_NEW), (BAOJI, REG_OLD), (TAIYUAN, REG_NEW)):
                e(p, "RESIDENT", region, PAID_RES, registered)
        elif kind == "employee x2 cities+resident":
            e(p, "EMPLOYEE", XIAN, PAID_OLD)
            e(p, "EMPLOYEE", TAIYUAN, PAID_NEW)
            e(p, "RESIDENT", BAOJI, PAID_RES)
        elif kind == "two records, money":
            e(p, "EMPLOYEE", XIAN, PAID_NEW, REG_NEW, record_id=f"A{p}")
            e(p, "EMPLOYEE", XIAN, PAID_OLD, REG_OLD, record_id=f"B{p}")
            self.accounts.append((p, XIAN, f"A{p}", 16_000 + n % 100, 0, "202610"))
            self.accounts.append((p, XIAN, f"B{p}", 3_200 + n % 700, 250_000 + n, "202401"))
        elif kind == "two records+city+resident":
            e(p, "EMPLOYEE", XIAN, PAID_NEW, REG_NEW, record_id=f"A{p}")
            e(p, "EMPLOYEE", XIAN, PAID_OLD, REG_OLD, record_id=f"B{p}")
            e(p, "EMPLOYEE", TAIYUAN, PAID_OLD)
            e(p, "RESIDENT", XIAN, PAID_RES)
            self.accounts.append((p, XIAN, f"A{p}", 8_000, 10_000, "202610"))
            self.accounts.append((p, XIAN, f"B{p}", 1_000 + n % 500, 90_000, "202402"))
        elif kind == "legacy record, other name":
            e(p, "EMPLOYEE", XIAN, PAID_NEW, record_id=f"A{p}", reported_name="另一个名字")
            e(p, "EMPLOYEE", XIAN, PAID_OLD, record_id=f"B{p}")
        else:
            raise ValueError(kind)

    def single(self, n: int, moved: bool) -> None:
        p = self.person()
        scheme, region = [
            ("EMPLOYEE", XIAN), ("EMPLOYEE", TAIYUAN), ("RESIDENT", XIAN), ("FLEXIBLE", BAOJI),
            ("EMPLOYEE", BEIJING), ("RESIDENT", BAOJI), ("EMPLOYEE", XIAN), ("RESIDENT", TAIYUAN),
        ][n % 8]  # fmt: skip
        paid = PAID_RES if scheme == "RESIDENT" else PAID_NEW
        self.enroll(p, scheme, region, paid)
        if moved:  # a stopped enrollment elsewhere (transferred): no duplicate
            old = TAIYUAN if region != TAIYUAN else XIAN
            self.enroll(p, "EMPLOYEE", old, PAID_OLD, status="STOPPED")


def build(cursor, employers, persons_target: int, enrollments_target: int) -> Builder:
    b = Builder(employers)
    for kind, (count, _cases, _records) in KINDS.items():
        for n in range(count):
            b.duplicate(kind, n)
    singles = persons_target - len(b.persons)
    moved = max(0, enrollments_target - len(b.enrollments) - singles)
    for n in range(singles):
        b.single(n, moved=n < moved)
    now = dt.datetime.now(dt.UTC)
    raw = cursor.connection.cursor()
    with raw.copy(
        "COPY accounts_insuredperson (id, national_id, name, phone, retired, created_at, "
        "updated_at) FROM STDIN"
    ) as copy:
        for pid, national_id, name in b.persons:
            copy.write_row((pid, national_id, name, "", False, now, now))
    with raw.copy(
        "COPY enrollment_enrollment (id, person_id, region_id, scheme, employer_id, record_id, "
        "status, status_reason, registered_at, last_paid_at, reported_name, resolution_exempt, "
        "updated_at) FROM STDIN"
    ) as copy:
        for row in b.enrollments:
            copy.write_row((*row, now))
    # Accounts with money: two ledger accounts each, a seed posting from the region fund.
    cursor.execute(
        "INSERT INTO accounts_ledgeraccount (kind, region_id, code, balance_fen, updated_at) "
        "VALUES ('REGION_FUND', %s, '', 0, now()) RETURNING id",
        [XIAN],
    )
    fund_id = cursor.fetchone()[0]
    ledger_id = fund_id + 1
    with raw.copy(
        "COPY accounts_ledgeraccount (id, kind, person_id, region_id, code, balance_fen, "
        "updated_at) FROM STDIN"
    ) as copy:
        for p, region, _record, current_fen, carried_fen, _period in b.accounts:
            copy.write_row((ledger_id, "PERSON_CURRENT", p, region, "", current_fen, now))
            copy.write_row((ledger_id + 1, "PERSON_CARRIED", p, region, "", carried_fen, now))
            ledger_id += 2
    with raw.copy(
        "COPY accounts_posting (from_account_id, to_account_id, amount_fen, kind, period, "
        "reference, idempotency_key, created_at) FROM STDIN"
    ) as copy:
        ledger_id, total = fund_id + 1, 0
        for _p, _region, _record, current_fen, carried_fen, _period in b.accounts:
            for offset, amount in ((0, current_fen), (1, carried_fen)):
                if amount:
                    copy.write_row(
                        (fund_id, ledger_id + offset, amount, "BENCH_SEED", "", "bench",
                         f"bench:{ledger_id + offset}", now)
                    )  # fmt: skip
                    total += amount
            ledger_id += 2
    cursor.execute(
        "UPDATE accounts_ledgeraccount SET balance_fen = %s WHERE id = %s", [-total, fund_id]
    )
    with raw.copy(
        "COPY accounts_personalaccount (id, person_id, region_id, record_id, status, "
        "status_reason, current_id, carried_id, opened_period, opened_at, updated_at) FROM STDIN"
    ) as copy:
        ledger_id = fund_id + 1
        for n, (p, region, record_id, _c, _k, _period) in enumerate(b.accounts, start=1):
            copy.write_row(
                (n, p, region, record_id, "ACTIVE", "", ledger_id, ledger_id + 1, "202401",
                 now, now)
            )  # fmt: skip
            ledger_id += 2
    with raw.copy(
        "COPY accounts_contribution (account_id, person_id, region_id, period, "
        "reported_base_fen, base_fen, employer_share_fen, individual_share_fen, credit_fen, "
        "paid_at, created_at) FROM STDIN"
    ) as copy:
        for n, (p, region, _record, _c, _k, period) in enumerate(b.accounts, start=1):
            copy.write_row((n, p, region, period, 800_000, 800_000, 64_000, 16_000, 16_000, now,
                            now))  # fmt: skip
    for table in (
        "accounts_insuredperson",
        "enrollment_enrollment",
        "accounts_ledgeraccount",
        "accounts_personalaccount",
    ):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        )
    return b


FLOOR = """
    UPDATE enrollment_enrollment e
    SET status = 'SUSPENDED', status_reason = 'floor', updated_at = now()
    FROM (
        SELECT id, ROW_NUMBER() OVER (
                   PARTITION BY person_id
                   ORDER BY (scheme = 'RESIDENT'), last_paid_at DESC NULLS LAST,
                            registered_at, id) AS n
        FROM enrollment_enrollment WHERE status = 'ACTIVE'
    ) ranked
    WHERE e.id = ranked.id AND ranked.n > 1
"""


class SlowStatements:
    """With --statements: print each statement slower than the threshold (where time goes)."""

    def __init__(self, threshold: float | None):
        self.threshold = threshold

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - start
            if self.threshold is not None and seconds >= self.threshold:
                print(f"  {seconds:6.2f} s  {' '.join(sql.split())[:150]}")


def wal_and_checkpoints() -> tuple[int, int]:
    """WAL bytes written and checkpoints started so far, server-wide: a checkpoint or a flood
    of WAL during a timed step is what makes one run slower than the next."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT wal_bytes FROM pg_stat_wal), "
            "checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"
        )
        wal_bytes, checkpoints = cursor.fetchone()
    return int(wal_bytes), checkpoints


def expected_counts() -> tuple[Counter, Counter]:
    cases, records = Counter(), Counter()
    for count, case_rules, record_rules in KINDS.values():
        for rule, n in case_rules.items():
            cases[rule] += n * count
        for rule, n in record_rules.items():
            records[rule] += n * count
    return cases, records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=800_000)
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--statements", type=float, metavar="SECONDS", help="print statements slower than this"
    )
    args = parser.parse_args()
    url = support.server_url()
    support.recreate_database(url, BENCH_DB)
    support.setup_django(url, BENCH_DB)

    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import Employer
    from enrollment.models import Enrollment, ResolutionRun
    from enrollment.tasks import resolve_duplicates

    call_command("migrate", verbosity=0)
    employers = {
        region: Employer.objects.create(
            code=f"91{region}MA{n:07d}X", name=f"基准单位{region}", region_id=region
        ).pk
        for n, region in enumerate(REGIONS, start=1)
    }
    with connection.cursor() as cursor:
        _, built = support.timed(
            "build with COPY",
            lambda: build(cursor, employers, args.persons, args.enrollments),
        )
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")  # each timed step starts with no checkpoint pending
    duplicates_total = sum(count for count, _c, _r in KINDS.values())
    print(
        f"data: {len(built.persons):,} persons, {len(built.enrollments):,} enrollments, "
        f"{duplicates_total:,} duplicate persons, {len(built.accounts):,} personal accounts "
        "with money to merge"
    )

    def run_floor():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(FLOOR)
            return cursor.rowcount

    floor_seconds, floor_rows = support.timed("floor: one UPDATE with a window function (committed)",
                                      run_floor)  # fmt: skip
    with connection.cursor() as cursor:  # undo it: the floor's rows are the only 'floor' ones
        cursor.execute(
            "UPDATE enrollment_enrollment SET status = 'ACTIVE', status_reason = '' "
            "WHERE status_reason = 'floor'"
        )
        cursor.execute("VACUUM ANALYZE enrollment_enrollment")
        cursor.execute("CHECKPOINT")

    def resolve():
        return resolve_duplicates.apply(kwargs={"triggered_by": "bench"}).get()

    wal_before = wal_and_checkpoints()
    with connection.execute_wrapper(SlowStatements(args.statements)):
        task_seconds, result = support.timed(
            "resolution task (decisions, cases, records; then the account merges task)", resolve
        )
    wal_after = wal_and_checkpoints()
    result = ResolutionRun.objects.get(pk=result["run"]).counts
    run_seconds, merge_seconds = result["seconds"]["decide"], result["seconds"]["accounts"]
    rerun_seconds, rerun = support.timed(
        "second run, nothing to do",
        lambda: resolve_duplicates.apply(kwargs={"triggered_by": "bench"}).get(),
    )
    verify_seconds, _ = support.timed(
        "verify_ledger", lambda: call_command("verify_ledger", stdout=io.StringIO())
    )

    cases, records = expected_counts()
    decided = sum(result["enrollments"].values())
    print()
    print("cases by rule:      ", dict(sorted(result["cases"].items())))
    print("records by rule:    ", dict(sorted(result["enrollments"].items())))
    print(f"accounts merged:     {result['accounts_merged']:,}")
    print(f"floor:               {floor_seconds:.2f} s ({floor_rows:,} rows suspended)")
    print(f"resolution:          {run_seconds:.2f} s  (rules, cases, records, committed)")
    print(f"ratio to floor:      {run_seconds / floor_seconds:.2f}x   (target <= 4x, <= 10 s)")
    print(
        f"account merges:      {merge_seconds:.2f} s for {result['accounts_merged']:,} pairs "
        f"= {1000 * merge_seconds / max(result['accounts_merged'], 1):.1f} ms per pair "
        "(follow-up task, personal_accounts_merge_many by chunks)"
    )
    print(f"task end to end:     {task_seconds:.2f} s")
    print(
        f"during the task:     {(wal_after[0] - wal_before[0]) / 1e6:.0f} MB of WAL, "
        f"{wal_after[1] - wal_before[1]} checkpoint(s) on the server (any database)"
    )
    print(
        f"second run:          {rerun_seconds:.2f} s, {sum(rerun['cases'].values())} cases   "
        "(target < 3 s)"
    )
    print(f"verify_ledger:       {verify_seconds:.2f} s")
    problems = []
    if Counter(result["cases"]) != cases:
        problems.append(f"cases {dict(result['cases'])} != expected {dict(cases)}")
    if Counter(result["enrollments"]) != records:
        problems.append(f"records {dict(result['enrollments'])} != expected {dict(records)}")
    if result["accounts_merged"] != len(built.accounts) // 2:
        problems.append(f"accounts merged {result['accounts_merged']}")
    active = Enrollment.objects.filter(status="ACTIVE").count()
    if decided + active + Enrollment.objects.filter(status="STOPPED").count() != len(
        built.enrollments
    ):
        problems.append("records lost count")
    if problems:
        sys.exit("; ".join(problems))
    if not args.keep:
        support.drop_database(url, BENCH_DB)


if __name__ == "__main__":
    main()
