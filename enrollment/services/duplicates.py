# ruff: noqa: S608 -- SQL composed of constant fragments; every value is a query parameter.
"""Duplicate resolution (重复参保, 就高就新), set-based: a handful of SQL statements whatever the
number of persons, the same on PostgreSQL and SQLite.

A person with more than one ACTIVE enrollment is a duplicate. One run, in one transaction:

0. Name check first (rule 5): an ACTIVE record whose source name (`reported_name`) differs
   from the person's and has not been verified suspends all of the person's ACTIVE records in
   that region and opens (or joins) a NAME_MISMATCH verification case. An unverified record
   never takes part in the comparisons below: it must not cost someone else their enrollment.

Rule 4 first, per region: a person's records in one region with the same ID and name
(employee and flexible alike; resident records likewise among themselves) merge into the
region's most recently paid one (tie: employee before flexible, then registered first): the
others become MERGED (SAME_REGION_MERGE), in every region, not only the kept one (seed 002:
西安市内重复参保、多账号人员，身份证和姓名均一致的将进行合并). Their personal accounts follow
once the decisions are committed: set-based through `accounts.personal_accounts_merge_many`,
a few thousand cases per transaction (a follow-up step; a region whose period is being
assessed waits). Then the region's remaining record meets the person's other regions:
1. Employee or flexible + resident → keep the employee scheme, suspend the resident records
   (EMPLOYEE_OVER_RESIDENT).
2. Employee scheme held in several regions → keep the most recently paid, suspend the others
   (EMPLOYEE_NEWEST); on a tie of the last payment employee beats flexible (就高), then the
   one registered first (先入库).
3. Resident in several regions → keep the most recently paid; on a tie the one registered
   first (先入库); suspend the others (RESIDENT_NEWEST).

All of it falls out of one ordering: a person's records are grouped by region (employee
scheme and resident apart); each group's first record is the one its others merge into; the
keeper is the first group's first record when groups are ordered by (resident last, last
payment newest, employee before flexible, registered first). Each decision is a DuplicateCase
for (person, rule, region of the records it changed, record kept), with the state before of
every record it changed.

Records marked `resolution_exempt` (a staff revert or an emergency restore) are left alone,
and a second run finds nothing left to do.
"""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from accounts.errors import BusinessRuleViolation
from accounts.models import InsuredPerson, PersonalAccount, Region
from accounts.services import personal_accounts as accounts
from accounts.services.periods import accounting_period_require_open
from accounts.sql import json_rows

from ..models import CaseEnrollment, DuplicateCase, Enrollment, ResolutionRun
from ..signals import enrollments_changed_on_commit
from .status_history import STATUS_CHANGE_COLUMNS, STATUS_CHANGE_TABLE

logger = logging.getLogger(__name__)

Rule = DuplicateCase.Rule
SYSTEM = "resolve_duplicates"
# Stored on the records (data in Chinese); pages show the case's rule in the reader's language.
RULE_REASONS = {
    Rule.EMPLOYEE_OVER_RESIDENT: "重复参保：已参加职工医保，居民医保暂停",
    Rule.EMPLOYEE_NEWEST: "重复参保：多地参加职工医保，保留缴费时间最新的，此处暂停",
    Rule.RESIDENT_NEWEST: "重复参保：多地参加居民医保，保留缴费时间最近（相同则先入库）的，此处暂停",
    Rule.SAME_REGION_MERGE: "同一统筹区多条记录，已合并",
    Rule.NAME_MISMATCH: "同一身份证号姓名不一致，暂停待核实",
}
MERGE_ACCOUNT_REASON = "同地多条记录合并：已并入个人编号 {record_id}"

_E = Enrollment._meta.db_table
_CASE = DuplicateCase._meta.db_table
_LINK = CaseEnrollment._meta.db_table
_PERSON = "accounts_insuredperson"
_ACCOUNT = PersonalAccount._meta.db_table


@dataclass
class ResolutionCounts:
    """Per rule: cases opened and records suspended or merged."""

    cases: dict[str, int] = field(default_factory=dict)
    enrollments: dict[str, int] = field(default_factory=dict)
    accounts_merged: int = 0
    accounts_waiting: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "cases": self.cases,
            "enrollments": self.enrollments,
            "accounts_merged": self.accounts_merged,
            "accounts_waiting": self.accounts_waiting,
            "seconds": self.seconds,
        }


def _person_filter(person_ids, column: str = "e.person_id") -> tuple[str, list]:
    if person_ids is None:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(person_ids))})", list(person_ids)


def _temp_table(cursor, name: str, select_sql: str, params: list) -> int:
    """(Re)create a temporary table from a query; returns its row count."""
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {select_sql}", params)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {name}")
    cursor.execute(f"SELECT COUNT(*) FROM {name}")
    return cursor.fetchone()[0]


def _empty_json_list() -> str:
    return "CAST('[]' AS jsonb)" if connection.vendor == "postgresql" else "'[]'"


def _drop(cursor, *names: str) -> None:
    for name in names:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def name_mismatches_suspend(
    *, person_ids=None, source: str, run: ResolutionRun | None = None
) -> tuple[int, int]:
    """Rule 5: suspend where an unverified different name arrived; returns (new cases, records).

    Verified means a decided NAME_MISMATCH case of the same person, region and reported name.
    Records already under an OPEN case of the person and region join that case.
    """
    if person_ids is not None and not person_ids:
        return 0, 0
    now = timezone.now()
    where, params = _person_filter(person_ids)
    mismatches = f"""
        SELECT e.person_id, e.region_id, MIN(e.reported_name) AS reported_name
        FROM {_E} e JOIN {_PERSON} p ON p.id = e.person_id
        WHERE e.reported_name <> '' AND e.reported_name <> p.name
          AND e.status = 'ACTIVE' AND e.resolution_exempt = FALSE {where}
          AND NOT EXISTS (
              SELECT 1 FROM {_CASE} c
              WHERE c.person_id = e.person_id AND c.region_id = e.region_id
                AND c.rule = 'NAME_MISMATCH' AND c.status = 'DECIDED'
                AND c.reported_name = e.reported_name)
        GROUP BY e.person_id, e.region_id
    """
    rows = f"""
        SELECT e.id AS enrollment_id, e.person_id, e.region_id, e.status_reason
        FROM {_E} e JOIN dup_mismatch m ON m.person_id = e.person_id AND m.region_id = e.region_id
        WHERE e.status = 'ACTIVE' AND e.resolution_exempt = FALSE
    """
    open_cases = f"""
        FROM {_CASE} c
        WHERE c.person_id = {{t}}.person_id AND c.region_id = {{t}}.region_id
          AND c.rule = 'NAME_MISMATCH' AND c.status = 'OPEN'
    """
    with connection.cursor() as cursor:
        if not _temp_table(cursor, "dup_mismatch", mismatches, params):
            _drop(cursor, "dup_mismatch")
            return 0, 0
        suspended = _temp_table(cursor, "dup_mismatch_rows", rows, [])
        cursor.execute(
            f"""INSERT INTO {_CASE}
                    (person_id, region_id, rule, status, kept_id, reported_name, confirmed_name,
                     decided_by_id, decided_by_system, decided_at, run_id, accounts_status,
                     account_merges, reverted_by_id, reverted_at, created_at)
                SELECT m.person_id, m.region_id, 'NAME_MISMATCH', 'OPEN', NULL, m.reported_name,
                       '', NULL, %s, NULL, %s, '', {_empty_json_list()}, NULL, NULL, %s
                FROM dup_mismatch m
                WHERE NOT EXISTS (SELECT 1 {open_cases.format(t="m")})""",
            [source, run.pk if run else None, now],
        )
        opened = cursor.rowcount
        cursor.execute(
            f"""INSERT INTO {_LINK}
                    (case_id, enrollment_id, action, status_before, status_reason_before)
                SELECT (SELECT MIN(c.id) {open_cases.format(t="r")}), r.enrollment_id,
                       'SUSPENDED', 'ACTIVE',
                       r.status_reason
                FROM dup_mismatch_rows r
                WHERE TRUE  -- SQLite needs a WHERE before an upsert clause
                ON CONFLICT (case_id, enrollment_id) DO NOTHING""",
            [],
        )
        cursor.execute(
            f"""INSERT INTO {STATUS_CHANGE_TABLE} ({STATUS_CHANGE_COLUMNS})
                SELECT e.id, 'ACTIVE', 'SUSPENDED', e.employer_id, e.stopped_at, e.stop_reason,
                       %s, %s, %s, %s
                FROM {_E} e WHERE e.id IN (SELECT enrollment_id FROM dup_mismatch_rows)""",
            [RULE_REASONS[Rule.NAME_MISMATCH], timezone.localdate(now), now, source],
        )
        cursor.execute(
            f"""UPDATE {_E} SET status = 'SUSPENDED', status_reason = %s, updated_at = %s
                WHERE id IN (SELECT enrollment_id FROM dup_mismatch_rows)""",
            [RULE_REASONS[Rule.NAME_MISMATCH], now],
        )
        _drop(cursor, "dup_mismatch", "dup_mismatch_rows")
    return opened, suspended


# Rules 1-4 in one pass. Groups are (region, resident or not); see the module docstring.
_DECISIONS = """
    WITH persons AS (
        SELECT e.person_id FROM {e} e
        WHERE e.status = 'ACTIVE' AND e.resolution_exempt = FALSE {where}
        GROUP BY e.person_id HAVING COUNT(*) > 1
    ), candidates AS (
        SELECT e.id, e.person_id, e.region_id, e.scheme, e.record_id, e.status_reason,
               e.registered_at, e.last_paid_at,
               CASE WHEN e.scheme = 'RESIDENT' THEN 1 ELSE 0 END AS is_resident,
               CASE e.scheme WHEN 'EMPLOYEE' THEN 0 WHEN 'FLEXIBLE' THEN 1 ELSE 2 END
                   AS scheme_rank
        FROM {e} e JOIN persons p ON p.person_id = e.person_id
        WHERE e.status = 'ACTIVE' AND e.resolution_exempt = FALSE
    ), groups AS (
        SELECT c.*,
               MAX(c.last_paid_at) OVER grp AS group_paid,
               MIN(c.registered_at) OVER grp AS group_registered,
               MIN(c.is_resident) OVER (PARTITION BY c.person_id) AS resident_only,
               FIRST_VALUE(c.id) OVER grp_ordered AS group_first,
               FIRST_VALUE(c.scheme_rank) OVER grp_ordered AS group_rank
        FROM candidates c
        WINDOW grp AS (PARTITION BY c.person_id, c.region_id, c.is_resident),
               grp_ordered AS (
                   PARTITION BY c.person_id, c.region_id, c.is_resident
                   ORDER BY c.last_paid_at DESC NULLS LAST, c.scheme_rank, c.registered_at, c.id
               )
    ), ranked AS (
        SELECT g.*,
               FIRST_VALUE(g.group_first) OVER (
                   PARTITION BY g.person_id
                   ORDER BY g.is_resident, g.group_paid DESC NULLS LAST, g.group_rank,
                            g.group_registered, g.region_id, g.group_first
               ) AS keeper
        FROM groups g
    )
    SELECT r.id AS enrollment_id, r.person_id, r.region_id, r.record_id, r.status_reason,
           CASE WHEN r.id = r.group_first THEN r.keeper ELSE r.group_first END AS kept_id,
           CASE WHEN r.id <> r.group_first THEN 'SAME_REGION_MERGE'
                WHEN r.is_resident = 1 AND r.resident_only = 0 THEN 'EMPLOYEE_OVER_RESIDENT'
                WHEN r.is_resident = 0 THEN 'EMPLOYEE_NEWEST'
                ELSE 'RESIDENT_NEWEST' END AS rule
    FROM ranked r
    WHERE r.id <> r.keeper
"""


def _new_case_ids(cursor) -> str:
    """An id per row for cases inserted set-based: from the sequence on PostgreSQL (safe with
    any concurrent writer), after the current maximum on SQLite (one writer at a time).

    The sequence is named once: pg_get_serial_sequence() per row costs a catalog lookup each.
    """
    if connection.vendor == "postgresql":
        cursor.execute(f"SELECT pg_get_serial_sequence('{_CASE}', 'id')")
        return f"nextval('{cursor.fetchone()[0]}')"
    return f"(SELECT COALESCE(MAX(id), 0) FROM {_CASE}) + ROW_NUMBER() OVER ()"


def _rules_apply(*, run: ResolutionRun, person_ids, now) -> ResolutionCounts:
    """Rules 1-4 for everyone at once: a decision table, then cases, their records, and the
    records' new status in three statements. Returns the counts by rule."""
    counts = ResolutionCounts()
    if person_ids is not None and not person_ids:
        return counts
    where, params = _person_filter(person_ids)
    reasons = [value for rule in Rule for value in (rule.value, RULE_REASONS[rule])]
    reason_case = "CASE d.rule " + " ".join(["WHEN %s THEN %s"] * len(Rule)) + " END"
    with connection.cursor() as cursor:
        if not _temp_table(cursor, "dup_decision", _DECISIONS.format(e=_E, where=where), params):
            _drop(cursor, "dup_decision")
            return counts
        # One case per person, rule and region; a merge whose records have a personal
        # account is PENDING for the money step that follows.
        _temp_table(
            cursor,
            "dup_cases",
            f"""SELECT {_new_case_ids(cursor)} AS id, g.person_id, g.region_id, g.rule, g.kept_id,
                       g.pending
                FROM (
                    SELECT d.person_id, d.region_id, d.rule, d.kept_id,
                           MAX(CASE WHEN d.rule <> 'SAME_REGION_MERGE' THEN 0
                                    WHEN EXISTS (
                                        SELECT 1 FROM {_ACCOUNT} pa
                                        WHERE pa.person_id = d.person_id
                                          AND pa.region_id = d.region_id
                                          AND pa.record_id = d.record_id
                                          AND pa.status <> 'CLOSED') THEN 1
                                    ELSE 0 END) AS pending
                    FROM dup_decision d
                    GROUP BY d.person_id, d.region_id, d.rule, d.kept_id
                ) g""",
            [],
        )
        cursor.execute(
            f"""INSERT INTO {_CASE}
                    (id, person_id, region_id, rule, status, kept_id, reported_name,
                     confirmed_name, decided_by_id, decided_by_system, decided_at, run_id,
                     accounts_status, account_merges, reverted_by_id, reverted_at, created_at)
                SELECT c.id, c.person_id, c.region_id, c.rule, 'DECIDED', c.kept_id, '', '',
                       NULL, %s, %s, %s,
                       CASE WHEN c.pending = 1 THEN 'PENDING' ELSE '' END,
                       {_empty_json_list()}, NULL, NULL, %s
                FROM dup_cases c""",
            [SYSTEM, now, run.pk, now],
        )
        cursor.execute(
            f"""INSERT INTO {_LINK}
                    (case_id, enrollment_id, action, status_before, status_reason_before)
                SELECT c.id, d.enrollment_id,
                       CASE WHEN d.rule = 'SAME_REGION_MERGE' THEN 'MERGED' ELSE 'SUSPENDED' END,
                       'ACTIVE', d.status_reason
                FROM dup_decision d
                JOIN dup_cases c ON c.person_id = d.person_id AND c.region_id = d.region_id
                 AND c.rule = d.rule AND c.kept_id = d.kept_id""",
            [],
        )
        cursor.execute(
            f"""INSERT INTO {STATUS_CHANGE_TABLE} ({STATUS_CHANGE_COLUMNS})
                SELECT e.id, 'ACTIVE',
                       CASE WHEN d.rule = 'SAME_REGION_MERGE' THEN 'MERGED' ELSE 'SUSPENDED' END,
                       e.employer_id, e.stopped_at, e.stop_reason, {reason_case}, %s, %s, %s
                FROM dup_decision d JOIN {_E} e ON e.id = d.enrollment_id""",
            [*reasons, timezone.localdate(now), now, SYSTEM],
        )
        cursor.execute(
            f"""UPDATE {_E} SET
                    status = CASE WHEN d.rule = 'SAME_REGION_MERGE'
                                  THEN 'MERGED' ELSE 'SUSPENDED' END,
                    status_reason = {reason_case},
                    merged_into_id = CASE WHEN d.rule = 'SAME_REGION_MERGE'
                                          THEN d.kept_id ELSE NULL END,
                    updated_at = %s
                FROM dup_decision d
                WHERE {_E}.id = d.enrollment_id""",
            [*reasons, now],
        )
        cursor.execute("SELECT rule, COUNT(*) FROM dup_cases GROUP BY rule")
        counts.cases = dict(cursor.fetchall())
        cursor.execute("SELECT rule, COUNT(*) FROM dup_decision GROUP BY rule")
        counts.enrollments = dict(cursor.fetchall())
        _drop(cursor, "dup_decision", "dup_cases")
    return counts


def _lock_enrollments() -> None:
    """One run at a time, and no feed changes records halfway through a run (PostgreSQL).

    Plain readers go on; writers and row lockers (the feed, another run, a staff action)
    wait for this short transaction. EXCLUSIVE rather than SHARE ROW EXCLUSIVE: a feed that
    took row locks (FOR UPDATE) first must not then wait for us while we wait for it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {_E} IN EXCLUSIVE MODE")


def duplicates_resolve(
    *, triggered_by: str = "", person_ids=None, merge_accounts: bool = True
) -> ResolutionRun:
    """Resolve every duplicate (or only these persons'): decisions, cases and records in one
    transaction; then, unless told otherwise, the personal-account merges that follow.

    Idempotent: what one run decided, the next finds nothing left to decide.
    """
    run = ResolutionRun.objects.create(triggered_by=triggered_by[:100])
    try:
        now = timezone.now()
        started = time.perf_counter()
        with transaction.atomic():
            _lock_enrollments()
            opened, suspended = name_mismatches_suspend(
                person_ids=person_ids, source=SYSTEM, run=run
            )
            counts = _rules_apply(run=run, person_ids=person_ids, now=now)
            enrollments_changed_on_commit(
                person_ids=DuplicateCase.objects.filter(run=run).values_list("person_id", flat=True)
            )
        if opened or suspended:
            counts.cases[Rule.NAME_MISMATCH.value] = opened
            counts.enrollments[Rule.NAME_MISMATCH.value] = suspended
        counts.seconds = {"decide": round(time.perf_counter() - started, 3)}
    except Exception as exc:
        ResolutionRun.objects.filter(pk=run.pk).update(
            status=ResolutionRun.Status.FAILED, error=repr(exc), finished_at=timezone.now()
        )
        logger.exception("duplicate resolution run %s failed", run.pk)
        raise
    run.counts = counts.as_dict()
    run.status = ResolutionRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "status", "finished_at"])
    if merge_accounts:
        duplicate_account_merges_apply(run=run)
    return run


# Cases per transaction: short enough for the locks, large enough for set-based statements.
ACCOUNT_MERGE_BATCH = 2000


def duplicate_account_merges_apply(
    *, run: ResolutionRun | None = None, limit: int | None = None
) -> tuple[int, int]:
    """Merge the personal accounts of decided SAME_REGION_MERGE cases through
    `accounts.personal_accounts_merge_many`; returns (accounts merged, cases still waiting).

    A region whose accounting period is being assessed (核定) waits for the next run; the
    others go in transactions of a few thousand cases. The run, if given, records it.
    """
    started = time.perf_counter()
    pending = DuplicateCase.objects.filter(accounts_status=DuplicateCase.AccountsStatus.PENDING)
    waiting_regions = set()
    for region_code in pending.values_list("region_id", flat=True).distinct().order_by():
        try:
            accounting_period_require_open(region_code=region_code)
        except BusinessRuleViolation as exc:
            waiting_regions.add(region_code)
            logger.info("account merges in %s wait: %s", region_code, exc.message)
    ready = pending.exclude(region_id__in=waiting_regions).order_by("pk")
    case_ids = list(ready.values_list("pk", flat=True)[:limit])
    merged = 0
    for start in range(0, len(case_ids), ACCOUNT_MERGE_BATCH):
        try:
            with transaction.atomic():
                merged += _cases_accounts_merge(
                    case_ids=case_ids[start : start + ACCOUNT_MERGE_BATCH]
                )
        except BusinessRuleViolation as exc:  # e.g. assessment began meanwhile: next run
            logger.info("account merges of cases from %s wait: %s", case_ids[start], exc.message)
    waiting = pending.count()
    if run is not None:
        run.refresh_from_db(fields=["counts"])
        run.counts["accounts_merged"] = merged
        run.counts["accounts_waiting"] = waiting
        run.counts.setdefault("seconds", {})["accounts"] = round(time.perf_counter() - started, 3)
        run.save(update_fields=["counts"])
    return merged, waiting


class _PendingCase(NamedTuple):
    pk: int
    status: str
    person_id: int
    region_id: str
    kept_record: str


def _cases_accounts_merge(*, case_ids: list[int]) -> int:
    """The accounts of these cases' merged records go into the kept record's account, all in
    one `personal_accounts_merge_many`; each case keeps what moved, for a revert."""
    cases = [
        _PendingCase(*row)
        for row in DuplicateCase.objects.select_for_update(of=("self",))
        .filter(pk__in=case_ids, accounts_status=DuplicateCase.AccountsStatus.PENDING)
        .order_by("pk")
        .values_list("pk", "status", "person_id", "region_id", "kept__record_id")
    ]
    decided = [case for case in cases if case.status == DuplicateCase.Status.DECIDED]
    merged_records = defaultdict(set)
    for case_id, record_id in CaseEnrollment.objects.filter(
        case_id__in=[case.pk for case in decided], action=CaseEnrollment.Action.MERGED
    ).values_list("case_id", "enrollment__record_id"):
        merged_records[case_id].add(record_id)
    open_accounts, closed_accounts = {}, set()
    for pk, *record, status in PersonalAccount.objects.filter(
        person_id__in={case.person_id for case in decided}
    ).values_list("pk", "person_id", "region_id", "record_id", "status"):
        if status == PersonalAccount.Status.CLOSED:
            closed_accounts.add(tuple(record))
        else:
            open_accounts[tuple(record)] = pk
    sources, targets, waiting = {}, {}, set()
    for case in decided:
        of_case = (case.person_id, case.region_id)
        sources[case.pk] = sorted(
            open_accounts[(*of_case, record)]
            for record in merged_records[case.pk] - {case.kept_record}
            if (*of_case, record) in open_accounts
        )
        targets[case.pk] = open_accounts.get((*of_case, case.kept_record))
        if sources[case.pk] and (*of_case, case.kept_record) in closed_accounts:
            logger.warning("case %s waits: the kept record's account is closed", case.pk)
            waiting.add(case.pk)
    to_open = [c for c in decided if sources[c.pk] and not targets[c.pk] and c.pk not in waiting]
    persons = InsuredPerson.objects.in_bulk({case.person_id for case in to_open})
    regions = Region.objects.in_bulk({case.region_id for case in to_open})
    opened = accounts.personal_accounts_open_many(
        records=[(persons[c.person_id], regions[c.region_id], c.kept_record) for c in to_open]
    )
    for case, account in zip(to_open, opened, strict=True):
        targets[case.pk] = account.pk
    merging = [case for case in decided if case.pk not in waiting]
    merges = [
        accounts.AccountMerge(
            source_id=source,
            target_id=targets[case.pk],
            key=f"case{case.pk}:{source}",
            reason=MERGE_ACCOUNT_REASON.format(record_id=case.kept_record or "-"),
        )
        for case in merging
        for source in sources[case.pk]
    ]
    moved = {
        detail.source: detail for detail in accounts.personal_accounts_merge_many(merges=merges)
    }
    opened_for = {case.pk for case in to_open}
    rows = [
        {
            "id": case.pk,
            "merges": [
                {**vars(moved[source]), "target_opened": case.pk in opened_for}
                for source in sources.get(case.pk, [])
            ],
            "status": (
                DuplicateCase.AccountsStatus.DONE
                if sources.get(case.pk)
                else DuplicateCase.AccountsStatus.NONE
            ),
        }
        for case in cases
        if case.pk not in waiting
    ]
    if rows:
        # Bookkeeping of the system's own step: the case rows change without audit entries.
        done, params = json_rows(
            "done", {"id": "bigint", "merges": "jsonb", "status": "text"}, rows
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""WITH {done}
                    UPDATE {_CASE} SET account_merges = done.merges, accounts_status = done.status
                    FROM done WHERE {_CASE}.id = done.id""",
                params,
            )
    return len(merges)
