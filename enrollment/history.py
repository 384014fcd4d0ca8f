"""Questions about the past, answered from the records' status history (EnrollmentStatusChange):
was this person insured in a region, employed by an employer, retired, in period P.

A record's state on a day follows its history rows in the order they were recorded: each
row holds from its effective day on, replacing what earlier rows said from that day (a stop
reported late, with an earlier stop date, wins). A record older than the history is taken
as it is now, from its registration on. A stopped record with a stop date was ACTIVE until
that day. Periods are YYYYMM; "in P" means on at least one day of P.
"""

import calendar
import datetime as dt
from collections import defaultdict

from django.utils import timezone

from accounts.models import Employer, InsuredPerson, Region

from .models import Enrollment, EnrollmentStatus, EnrollmentStatusChange, Scheme, StopReason

# (first day, status, employer id): the state from that day until the next step.
Step = tuple[dt.date, str, int | None]


def period_days(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a YYYYMM period."""
    year, month = int(period[:4]), int(period[4:])
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _opening(start: dt.date, status: str, stopped_at, employer_id) -> list[Step]:
    """The steps a record's first known state stands for."""
    if status == EnrollmentStatus.STOPPED and stopped_at and stopped_at > start:
        return [(start, EnrollmentStatus.ACTIVE, employer_id), (stopped_at, status, employer_id)]
    return [(start, status, employer_id)]


def enrollment_steps(
    *, enrollment: Enrollment, changes: list[EnrollmentStatusChange]
) -> list[Step]:
    """The record's states over time, oldest first, from its history rows (recorded order)."""
    registered = timezone.localdate(enrollment.registered_at)
    if not changes:
        e = enrollment
        return _opening(registered, e.status, e.stopped_at, e.employer_id)
    first = changes[0]
    if first.status_before:  # history began after the record: its state before is known
        steps = [(registered, first.status_before, first.employer_id)]
    else:
        steps = _opening(
            first.effective_on, first.status_after, first.stopped_at, first.employer_id
        )
        changes = changes[1:]
    for change in changes:
        if change.status_before == change.status_after == EnrollmentStatus.STOPPED:
            # A corrected stop date: the stop moves, what came before it stands until then.
            while len(steps) > 1 and steps[-1][1] == EnrollmentStatus.STOPPED:
                steps.pop()
        on = max(change.effective_on, steps[0][0])
        steps = [step for step in steps if step[0] < on] + [
            (on, change.status_after, change.employer_id)
        ]
    return steps


def _held(steps: list[Step], first: dt.date, last: dt.date, statuses, employer_id=None) -> bool:
    """Whether some day in [first, last] has one of `statuses` (and the employer, if given)."""
    for index, (start, status, employer) in enumerate(steps):
        end = steps[index + 1][0] - dt.timedelta(days=1) if index + 1 < len(steps) else None
        if status not in statuses or (employer_id is not None and employer != employer_id):
            continue
        if start <= last and (end is None or end >= first):
            return True
    return False


def _steps_of(enrollments) -> dict[int, list[Step]]:
    enrollments = list(enrollments)
    changes = defaultdict(list)
    for change in EnrollmentStatusChange.objects.filter(
        enrollment__in=[e.pk for e in enrollments]
    ).order_by("enrollment_id", "changed_at", "pk"):
        changes[change.enrollment_id].append(change)
    return {
        e.pk: enrollment_steps(enrollment=e, changes=changes.get(e.pk, [])) for e in enrollments
    }


def was_insured(*, person: InsuredPerson, region: Region | str, period: str) -> bool:
    """Whether one of the person's records in the region was ACTIVE (正常参保) on some day of
    the period. Suspended, merged and stopped days do not count."""
    region_code = region if isinstance(region, str) else region.pk
    first, last = period_days(period)
    steps = _steps_of(Enrollment.objects.filter(person=person, region_id=region_code))
    return any(_held(s, first, last, {EnrollmentStatus.ACTIVE}) for s in steps.values())


def was_employed_by(*, person: InsuredPerson, employer: Employer, period: str) -> bool:
    """Whether the person had an employee record with this employer, not stopped, on some day
    of the period. A suspension (our duplicate decision) does not end employment."""
    first, last = period_days(period)
    employed = {EnrollmentStatus.ACTIVE, EnrollmentStatus.SUSPENDED}
    steps = _steps_of(Enrollment.objects.filter(person=person, scheme=Scheme.EMPLOYEE))
    return any(_held(s, first, last, employed, employer.pk) for s in steps.values())


def retired_on(*, person: InsuredPerson) -> dt.date | None:
    """The earliest reported stop for retirement (停保原因 RETIRED) among the person's records."""
    return (
        Enrollment.objects.filter(person=person, stop_reason=StopReason.RETIRED)
        .exclude(stopped_at=None)
        .order_by("stopped_at")
        .values_list("stopped_at", flat=True)
        .first()
    )


def was_retired(*, person: InsuredPerson, period: str) -> bool:
    """Whether the person was retired on the period's last day: retired now, and not retired
    only later than the period according to a record stopped for retirement. With no dated
    retirement the flag alone answers (the date is unknown)."""
    if not person.retired:
        return False
    retired = retired_on(person=person)
    return retired is None or retired <= period_days(period)[1]
