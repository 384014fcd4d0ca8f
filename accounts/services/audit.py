"""Audit rows for domain state changes made by services (who, what, before, after, why)."""

from django.db import models

from accounts.models import AuditEvent, User


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
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        before=before,
        after=after,
        reason=reason,
    )
