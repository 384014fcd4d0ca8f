"""Reads for enrollment pages, the API and the admin, and the one door through which other
apps (wallet, transfers, refunds) learn where a person is insured: they read enrollment only
through the functions of "where a person is insured" below and `enrollment.signals`."""

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    TextField,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountingPeriod, Employer, InsuredPerson, PersonalAccount, Region
from accounts.sql import aware, select

from .explanations import explanation_for
from .history import enrollment_steps
from .models import (
    EMPLOYEE_SCHEMES,
    CaseEnrollment,
    DuplicateCase,
    Enrollment,
    EnrollmentStatus,
    EnrollmentStatusChange,
    Scheme,
    StopReason,
)

# What a person needs to read an enrollment's status (enrollment/explanations.py), as SQL over
# the enrollment row `{e}`, each only for the statuses that read it: the rule of the last case
# that suspended or merged it, the last emergency restore, and whether the personal account of
# the record is frozen (封存).
_EXPLANATION_FACTS = {
    "case_rule": (
        """CASE WHEN {e}.status = %s THEN (
               SELECT d.rule FROM enrollment_caseenrollment c
               JOIN enrollment_duplicatecase d ON d.id = c.case_id
               WHERE c.enrollment_id = {e}.id AND d.status <> %s
               ORDER BY c.case_id DESC LIMIT 1) END""",
        [EnrollmentStatus.SUSPENDED.value, DuplicateCase.Status.REVERTED.value],
        CharField(),
    ),
    "restored_at": (
        """CASE WHEN {e}.status = %s THEN (
               SELECT r.restored_at FROM enrollment_emergencyrestore r
               WHERE r.enrollment_id = {e}.id ORDER BY r.restored_at DESC, r.id DESC LIMIT 1) END""",
        [EnrollmentStatus.ACTIVE.value],
        DateTimeField(),
    ),
    "restored_reason": (
        """CASE WHEN {e}.status = %s THEN (
               SELECT r.reason FROM enrollment_emergencyrestore r
               WHERE r.enrollment_id = {e}.id ORDER BY r.restored_at DESC, r.id DESC LIMIT 1) END""",
        [EnrollmentStatus.ACTIVE.value],
        TextField(),
    ),
    "account_frozen": (
        """CASE WHEN {e}.status = %s AND {e}.scheme IN (%s, %s) THEN EXISTS (
               SELECT 1 FROM accounts_personalaccount a
               WHERE a.person_id = {e}.person_id AND a.region_id = {e}.region_id
                 AND a.record_id = {e}.record_id AND a.status = %s) END""",
        [
            EnrollmentStatus.STOPPED.value,
            *(scheme.value for scheme in EMPLOYEE_SCHEMES),
            PersonalAccount.Status.FROZEN.value,
        ],
        BooleanField(),
    ),
}


def _with_explanations(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """The enrollments with what `enrollment_explanation` reads, in the same single query."""
    table = Enrollment._meta.db_table
    return queryset.select_related("region", "employer", "merged_into").annotate(
        **{
            name: RawSQL(sql.format(e=table), params, output_field=field)  # noqa: S611 — constant SQL
            for name, (sql, params, field) in _EXPLANATION_FACTS.items()
        }
    )


def enrollments_for_person(*, person: InsuredPerson) -> list[dict]:
    """The person's enrollments for their home page, in plain strings (region, scheme_label,
    status, status_label, employer, registered, last_paid, record_id), each with its
    `explanation` (why this status, what to do); one query."""
    facts = ", ".join(sql.format(e="e") for sql, _params, _field in _EXPLANATION_FACTS.values())
    rows = select(
        f"""SELECT e.id, e.scheme, e.status, e.status_reason, e.record_id, e.registered_at,
                   e.last_paid_at, g.name, m.name, merged.record_id, {facts}
            FROM enrollment_enrollment e
            JOIN accounts_region g ON g.code = e.region_id
            LEFT JOIN accounts_employer m ON m.id = e.employer_id
            LEFT JOIN enrollment_enrollment merged ON merged.id = e.merged_into_id
            WHERE e.person_id = %s
            ORDER BY e.status, e.region_id, e.scheme, e.id""",  # noqa: S608 — constant SQL, placeholders only
        [*(p for _sql, params, _field in _EXPLANATION_FACTS.values() for p in params), person.pk],
    )
    enrollments = []
    for row in rows:
        pk, scheme, status, reason, record_id, registered_at, last_paid_at = row[:7]
        region, employer, merged_record, case_rule, restored_at, restored_reason, frozen = row[7:]
        last_paid_at = aware(last_paid_at)
        enrollments.append(
            {
                "id": pk,
                "region": region,
                "scheme_label": str(Scheme(scheme).label),
                "status": status,
                "status_label": str(EnrollmentStatus(status).label),
                "employer": employer,
                "registered": f"{timezone.localtime(aware(registered_at)):%Y-%m-%d}",
                "last_paid": f"{timezone.localtime(last_paid_at):%Y-%m-%d}" if last_paid_at else "",
                "record_id": record_id,
                "explanation": explanation_for(
                    status=status,
                    scheme=scheme,
                    status_reason=reason,
                    region=region,
                    employer=employer,
                    merged_record=merged_record,
                    case_rule=case_rule,
                    restored_at=aware(restored_at),
                    restored_reason=restored_reason,
                    account_frozen=bool(frozen),
                ),
            }
        )
    return enrollments


def person_with_enrollments(*, person_id: int) -> InsuredPerson:
    return InsuredPerson.objects.prefetch_related(
        Prefetch(
            "enrollments",
            queryset=_with_explanations(Enrollment.objects.all()).order_by(
                "status", "region_id", "scheme"
            ),
        )
    ).get(pk=person_id)


def verification_cases_for_employer(*, employer: Employer) -> QuerySet[DuplicateCase]:
    """Open name checks (核实) touching this employer's employees."""
    return (
        DuplicateCase.objects.filter(
            rule=DuplicateCase.Rule.NAME_MISMATCH,
            changes__enrollment__employer=employer,
        )
        .select_related("person", "region")
        .distinct()
        .order_by("-created_at", "-pk")
    )


def name_checks_for_employer(*, employer: Employer) -> QuerySet[DuplicateCase]:
    """The employer's name checks, each with `.reports`: its name reports, newest first."""
    from .models import NameReport

    return verification_cases_for_employer(employer=employer).prefetch_related(
        Prefetch(
            "name_reports",
            queryset=NameReport.objects.order_by("-reported_at", "-pk"),
            to_attr="reports",
        )
    )


# --- why a duplicate case waits (the admin's 为何等待) -----------------------------------------


def cases_with_wait_facts(queryset: QuerySet[DuplicateCase]) -> QuerySet[DuplicateCase]:
    """What `case_wait_reason` reads, in the list's own query: the report awaiting staff, whether
    an employer reports the name, and the region's latest accounting period and its status
    (merges wait while it is assessed). The case's changes come prefetched by the caller."""
    from .models import NameReport

    pending_report = NameReport.objects.filter(
        case=OuterRef("pk"), status=NameReport.Status.PENDING
    ).order_by("pk")
    latest_period = AccountingPeriod.objects.filter(region=OuterRef("region")).order_by("-period")
    return queryset.annotate(
        pending_report_name=Subquery(pending_report.values("name")[:1]),
        has_employer_record=Exists(
            CaseEnrollment.objects.filter(case=OuterRef("pk"), enrollment__employer__isnull=False)
        ),
        latest_period=Subquery(latest_period.values("period")[:1]),
        latest_period_status=Subquery(latest_period.values("status")[:1]),
    )


def case_wait_reason(case: DuplicateCase) -> str:
    """Why the case waits and for whom, in words; "" when it waits for nothing.

    Reads the annotations of `cases_with_wait_facts` and the prefetched `changes`."""
    if case.status == DuplicateCase.Status.REVERTED:
        return ""
    if case.rule == DuplicateCase.Rule.NAME_MISMATCH and case.status == DuplicateCase.Status.OPEN:
        if case.pending_report_name:
            return _("姓名待核实：已报送正确姓名“%(name)s”，等待经办人员确认或退回。") % {
                "name": case.pending_report_name
            }
        if case.has_employer_record:
            return _("姓名待核实：两条记录姓名不一致，等待参保单位报送正确姓名。")
        return _("姓名待核实：两条记录姓名不一致，等待社区报送正确姓名，由经办人员录入。")
    if case.accounts_status != DuplicateCase.AccountsStatus.PENDING:
        return ""
    merged = [
        change.enrollment.record_id
        for change in case.changes.all()
        if change.action == CaseEnrollment.Action.MERGED
    ]
    reason = _("账户待合并：登记 %(merged)s 的个人账户余额将并入保留的登记 %(kept)s。") % {
        "merged": "、".join(merged) or "—",
        "kept": case.kept.record_id if case.kept_id else "—",
    }
    if case.latest_period_status and case.latest_period_status != AccountingPeriod.Status.OPEN:
        return reason + _(
            "本统筹区做账期 %(period)s %(status)s，期间不合并账户；新的期号开放后，"
            "下一次重复参保处理时合并。"
        ) % {
            "period": case.latest_period,
            "status": AccountingPeriod.Status(case.latest_period_status).label,
        }
    return reason + _("下一次重复参保处理（每日运行）时合并。")


# --- where a person is insured (for other apps) ---------------------------------------------

LIVE_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.SUSPENDED)


@dataclass(frozen=True)
class Insurance:
    """One enrollment as other apps see it: in which region, which scheme and status, since
    when (入库时间) and until when.

    `until` is the stop date (停保日期) the feed reported, None while insured or when a stopped
    record came without one.
    """

    person_id: int
    region_id: str
    scheme: str
    status: str
    since: dt.datetime
    until: dt.date | None = None
    last_paid_at: dt.datetime | None = None


def insurances_of(*, person_ids, live_only: bool = False) -> dict[int, list[Insurance]]:
    """Each person's enrollments (merged records left out), in one query: live ones first
    (active before suspended), then by region and scheme. `live_only`: stopped left out too."""
    ids = list(person_ids)
    statuses = LIVE_STATUSES if live_only else (*LIVE_STATUSES, EnrollmentStatus.STOPPED)
    found: dict[int, list[Insurance]] = {pk: [] for pk in ids}
    rows = (
        Enrollment.objects.filter(person_id__in=ids, status__in=statuses)
        .annotate(
            live_order=Case(
                When(status=EnrollmentStatus.ACTIVE, then=0),
                When(status=EnrollmentStatus.SUSPENDED, then=1),
                default=2,
            )
        )
        .order_by("person_id", "live_order", "region_id", "scheme", "pk")
        .values_list(
            "person_id",
            "region_id",
            "scheme",
            "status",
            "registered_at",
            "stopped_at",
            "last_paid_at",
        )
    )
    for person_id, region_id, scheme, status, since, until, last_paid_at in rows:
        found[person_id].append(
            Insurance(person_id, region_id, scheme, status, since, until, last_paid_at)
        )
    return found


def insurances_for_person(*, person_id: int, live_only: bool = False) -> list[Insurance]:
    return insurances_of(person_ids=[person_id], live_only=live_only)[person_id]


# A person's 参保地: the region of their current enrollment — active before suspended (暂停 for
# verification is not leaving; stopped counts for nothing), employee/flexible before resident,
# most recently paid first (never paid last), then the oldest record.
_INSURED_REGION_SQL = """
    SELECT e.region_id FROM enrollment_enrollment e
    WHERE e.person_id = {person}
      AND e.status IN (%(enrollment_active)s, %(enrollment_suspended)s)
    ORDER BY CASE WHEN e.status = %(enrollment_active)s THEN 0 ELSE 1 END,
             CASE WHEN e.scheme = %(enrollment_resident)s THEN 1 ELSE 0 END,
             e.last_paid_at DESC NULLS LAST, e.id
    LIMIT 1"""
_INSURED_REGION_PARAMS = {
    "enrollment_active": EnrollmentStatus.ACTIVE.value,
    "enrollment_suspended": EnrollmentStatus.SUSPENDED.value,
    "enrollment_resident": Scheme.RESIDENT.value,
}


def insured_region_sql(*, person: str) -> tuple[str, dict]:
    """The 参保地 as a scalar subquery for another app's statement (one round trip where a
    pinned statement count needs it): SQL text naming the person by the column `person`, and
    its named parameters (pyformat) to merge into the statement's."""
    return _INSURED_REGION_SQL.format(person=person), dict(_INSURED_REGION_PARAMS)


def insured_regions(*, person_ids) -> dict[int, str | None]:
    """Each person's 参保地 (region code), or None when no enrollment of theirs is live; one
    query for all."""
    ids = list(person_ids)
    if not ids:
        return {}
    region, params = insured_region_sql(person="p.id")
    placeholders = ", ".join(f"%(p{n})s" for n in range(len(ids)))
    params.update({f"p{n}": pk for n, pk in enumerate(ids)})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, ({region}) FROM accounts_insuredperson p WHERE p.id IN ({placeholders})",  # noqa: S608 — constant SQL, placeholders only
            params,
        )
        found = dict(cursor.fetchall())
    return {pk: found.get(pk) for pk in ids}


def insured_region(*, person_id: int) -> str | None:
    """The person's 参保地 (region code), or None."""
    return insured_regions(person_ids=[person_id])[person_id]


# Suspended in a region (暂停, e.g. a name check: the record may be someone else's): a record of
# the person there is SUSPENDED and none is ACTIVE. `account_only`: only the employee and
# flexible records, the ones behind a personal account (a suspended resident record beside an
# active employee one leaves the account usable).
_SUSPENDED_IN_REGION_SQL = """
    EXISTS (SELECT 1 FROM enrollment_enrollment e
            WHERE e.person_id = {person} AND e.region_id = {region}
              AND e.status = %(enrollment_suspended)s{schemes})
    AND NOT EXISTS (SELECT 1 FROM enrollment_enrollment e
                    WHERE e.person_id = {person} AND e.region_id = {region}
                      AND e.status = %(enrollment_active)s{schemes})"""
_ACCOUNT_SCHEMES_SQL = " AND e.scheme IN (%(enrollment_employee)s, %(enrollment_flexible)s)"
_ACCOUNT_SCHEMES = (Scheme.EMPLOYEE, Scheme.FLEXIBLE)


def suspended_in_region_sql(*, person: str, region: str, account_only: bool) -> tuple[str, dict]:
    """Whether the person is suspended in the region, as a boolean SQL expression for another
    app's statement (like `insured_region_sql`): the text naming the person and the region by
    the columns `person` and `region`, and its named parameters (pyformat)."""
    sql = _SUSPENDED_IN_REGION_SQL.format(
        person=person, region=region, schemes=_ACCOUNT_SCHEMES_SQL if account_only else ""
    )
    params = {
        "enrollment_active": EnrollmentStatus.ACTIVE.value,
        "enrollment_suspended": EnrollmentStatus.SUSPENDED.value,
        "enrollment_employee": Scheme.EMPLOYEE.value,
        "enrollment_flexible": Scheme.FLEXIBLE.value,
    }
    return sql, params


def suspended_in_regions(*, pairs, account_only: bool = False) -> set[tuple[int, str]]:
    """Of the (person id, region code) pairs, those where the person is suspended; one query
    for all."""
    wanted = {(person_id, region_id) for person_id, region_id in pairs}
    if not wanted:
        return set()
    enrollments = Enrollment.objects.filter(
        person_id__in={person_id for person_id, _ in wanted},
        region_id__in={region_id for _, region_id in wanted},
        status__in=LIVE_STATUSES,
    )
    if account_only:
        enrollments = enrollments.filter(scheme__in=_ACCOUNT_SCHEMES)
    statuses: dict[tuple[int, str], set[str]] = {}
    for person_id, region_id, status in enrollments.values_list("person_id", "region_id", "status"):
        statuses.setdefault((person_id, region_id), set()).add(status)
    return {
        pair for pair in wanted if statuses.get(pair, set()) == {EnrollmentStatus.SUSPENDED.value}
    }


def resident_region(*, person_id: int) -> Region | None:
    """The region of the person's resident-insurance (城乡居民医保) enrollment, if any: active
    before suspended, most recently paid first."""
    enrollment = (
        Enrollment.objects.filter(
            person_id=person_id, scheme=Scheme.RESIDENT, status__in=LIVE_STATUSES
        )
        .select_related("region")
        .order_by("status", "-last_paid_at", "pk")
        .first()
    )
    return enrollment.region if enrollment else None


def enrollments_in_region(
    *, person: InsuredPerson, region_id: str, schemes: tuple[str, ...]
) -> list[Enrollment]:
    """The person's records in one region under these schemes (a transfer's old or new side),
    newest registration first."""
    return list(
        Enrollment.objects.filter(person=person, region_id=region_id, scheme__in=schemes).order_by(
            "-registered_at", "-pk"
        )
    )


# --- employment spans in bulk (refund batches) ---------------------------------------------

EMPLOYER_CHANGED = "EMPLOYER_CHANGED"
_CHUNK = 5000


@dataclass(frozen=True)
class Employment:
    """A span of a person's employee record with one employer, as enrollment.history reads the
    status history: employed (active or suspended) from `since` until the day before
    `ended_on` (None: still employed). `end_reason` says why it ended: the 停保原因 of the stop
    (a StopReason value, "" when none was reported), EMPLOYER_CHANGED when the record moved to
    another employer, or MERGED when the record was merged into another of the person's."""

    person_id: int
    since: dt.date
    ended_on: dt.date | None = None
    end_reason: str = ""


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def employments_with(*, employer_id: int, person_ids) -> dict[int, list[Employment]]:
    """Each person's spans with the employer, oldest first (persons never employed there are
    left out); a few queries however many persons, for batches of 100,000 rows."""
    ids = sorted(set(person_ids))
    employed = {EnrollmentStatus.ACTIVE, EnrollmentStatus.SUSPENDED}
    found: dict[int, list[Employment]] = {}
    for chunk in _chunks(ids):
        # Plain rows, not model instances: enrollment_steps reads only these attributes.
        enrollments = [
            SimpleNamespace(
                pk=pk,
                person_id=person_id,
                status=status,
                stopped_at=stopped_at,
                stop_reason=stop_reason,
                employer_id=employer,
                registered_at=registered_at,
            )
            for pk, person_id, status, stopped_at, stop_reason, employer, registered_at in (
                Enrollment.objects.filter(person_id__in=chunk, scheme=Scheme.EMPLOYEE).values_list(
                    "pk",
                    "person_id",
                    "status",
                    "stopped_at",
                    "stop_reason",
                    "employer_id",
                    "registered_at",
                )
            )
        ]
        changes: dict[int, list[EnrollmentStatusChange]] = {}
        for change in EnrollmentStatusChange.objects.filter(
            enrollment__person_id__in=chunk, enrollment__scheme=Scheme.EMPLOYEE
        ).order_by("enrollment_id", "changed_at", "pk"):
            changes.setdefault(change.enrollment_id, []).append(change)
        for enrollment in enrollments:
            own = changes.get(enrollment.pk, [])
            # The reason of a stop, by the day it took effect (a later report wins).
            reasons = {}
            for change in own:
                if change.status_after == EnrollmentStatus.STOPPED:
                    reasons[change.effective_on] = change.stop_reason
            if enrollment.stopped_at:
                reasons[enrollment.stopped_at] = enrollment.stop_reason
            since = None
            for start, status, employer in enrollment_steps(enrollment=enrollment, changes=own):
                held = status in employed and employer == employer_id
                if held and since is None:
                    since = start
                elif not held and since is not None:
                    if status == EnrollmentStatus.STOPPED:
                        reason = reasons.get(start, "")
                    elif status == EnrollmentStatus.MERGED:
                        reason = EnrollmentStatus.MERGED.value
                    else:
                        reason = EMPLOYER_CHANGED
                    found.setdefault(enrollment.person_id, []).append(
                        Employment(enrollment.person_id, since, start, reason)
                    )
                    since = None
            if since is not None:
                found.setdefault(enrollment.person_id, []).append(
                    Employment(enrollment.person_id, since)
                )
    for spans in found.values():
        spans.sort(key=lambda span: span.since)
    return found


def retirements_of(*, person_ids) -> dict[int, dt.date | None]:
    """The persons retired now, each with the day they retired (as enrollment.history's
    `retired_on`: the earliest stop for retirement), None when no record dates it."""
    ids = sorted(set(person_ids))
    found: dict[int, dt.date | None] = {}
    for chunk in _chunks(ids):
        retired = InsuredPerson.objects.filter(pk__in=chunk, retired=True).values_list(
            "pk", flat=True
        )
        found.update(dict.fromkeys(retired))
    for chunk in _chunks(sorted(found)):
        dated = (
            Enrollment.objects.filter(person_id__in=chunk, stop_reason=StopReason.RETIRED)
            .exclude(stopped_at=None)
            .values_list("person_id", "stopped_at")
        )
        for person_id, stopped_at in dated:
            if found[person_id] is None or stopped_at < found[person_id]:
                found[person_id] = stopped_at
    return found
