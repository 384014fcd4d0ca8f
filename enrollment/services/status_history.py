"""The status history of enrollment records (EnrollmentStatusChange): every path that changes
a record's status, stop date or employer appends a row here, in bulk where it changes many.

Set-based writers (duplicate runs) use `STATUS_CHANGE_COLUMNS` in their own INSERT … SELECT.
"""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from ..models import Enrollment, EnrollmentStatus, EnrollmentStatusChange

STATUS_CHANGE_TABLE = EnrollmentStatusChange._meta.db_table
STATUS_CHANGE_COLUMNS = (
    "enrollment_id, status_before, status_after, employer_id, stopped_at, stop_reason, "
    "reason, effective_on, changed_at, source"
)


def effective_on(*, enrollment: Enrollment, status_before: str, now: dt.datetime) -> dt.date:
    """The day a change took effect: registration for a new record, the reported stop date
    for a stop (or a corrected stop date), otherwise the day it is recorded."""
    if not status_before:
        return timezone.localdate(enrollment.registered_at)
    if enrollment.status == EnrollmentStatus.STOPPED and enrollment.stopped_at:
        return enrollment.stopped_at
    return timezone.localdate(now)


def status_changes_record(
    *, changes: Iterable[tuple[Enrollment, str]], source: str, now: dt.datetime | None = None
) -> int:
    """One row per (record as it is now, its status before; "" for a new record), in one
    bulk insert. Refuses nothing; returns the number of rows."""
    now = now or timezone.now()
    rows = [
        EnrollmentStatusChange(
            enrollment_id=enrollment.pk,
            status_before=before,
            status_after=enrollment.status,
            employer_id=enrollment.employer_id,
            stopped_at=enrollment.stopped_at,
            stop_reason=enrollment.stop_reason,
            reason=enrollment.status_reason,
            effective_on=effective_on(enrollment=enrollment, status_before=before, now=now),
            changed_at=now,
            source=source[:100],
        )
        for enrollment, before in changes
    ]
    EnrollmentStatusChange.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def history_changed(*, before: tuple, enrollment: Enrollment) -> bool:
    """Whether the record's status, stop date, stop reason or employer differ from `before`
    (`history_fields` of the record before the change)."""
    return before != history_fields(enrollment)


def history_fields(enrollment: Enrollment) -> tuple:
    return (
        enrollment.status,
        enrollment.stopped_at,
        enrollment.stop_reason,
        enrollment.employer_id,
    )
