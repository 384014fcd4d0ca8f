"""Audit rows for domain state changes made by services (who, what, before, after, why).

The one audit path of every app's services; django-auditlog records only edits made in admin
forms. Write the rows inside the transaction of the change they record.
"""

from collections.abc import Iterable

from django.db import models

from accounts.models import AuditEvent, User


def audit_event_build(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict,
    after: dict,
    reason: str = "",
) -> AuditEvent:
    """One row, not saved yet: for `audit_events_record`."""
    return AuditEvent(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        before=before,
        after=after,
        reason=reason,
    )


def audit_event_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict,
    after: dict,
    reason: str = "",
) -> AuditEvent:
    """One row; call it inside the transaction of the change it records."""
    event = audit_event_build(
        actor=actor, action=action, obj=obj, before=before, after=after, reason=reason
    )
    event.save()
    return event


def audit_events_record(*, rows: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Many rows in a few statements (set-based services); rows from `audit_event_build`."""
    return AuditEvent.objects.bulk_create(list(rows), batch_size=1000)


def audit_snapshot(obj: models.Model, fields: Iterable[str]) -> dict:
    """The values of these fields now (attribute names: `merged_into_id`, not the object)."""
    return {name: getattr(obj, name) for name in fields}


class AuditTrail:
    """The rows of one action over several objects, written together: take each object's
    `audit_snapshot` before the change, then call `changed(obj, before)` after it; `record()`
    writes one row per object that changed, with only the values that did."""

    def __init__(self, *, actor: User | None, action: str, reason: str = ""):
        self.actor, self.action, self.reason = actor, action, reason
        self.rows: list[AuditEvent] = []

    def changed(self, obj: models.Model, before: dict) -> None:
        after = audit_snapshot(obj, before)
        keys = [key for key in before if before[key] != after[key]]
        if keys:
            self.rows.append(
                audit_event_build(
                    actor=self.actor,
                    action=self.action,
                    obj=obj,
                    before={key: before[key] for key in keys},
                    after={key: after[key] for key in keys},
                    reason=self.reason,
                )
            )

    def record(self) -> list[AuditEvent]:
        return audit_events_record(rows=self.rows)
