"""What every wallet service shares: the clock, the audit row, refusals."""

import datetime as dt

from django.utils import timezone

from accounts.errors import BusinessRuleViolation
from accounts.models import InsuredPerson

from ..models import WalletEvent


class WalletRuleViolation(BusinessRuleViolation):
    """A refusal that also names its rule in `rule` (machine-readable, e.g. "daily_limit")."""

    def __init__(self, message: str, *, rule: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.rule = rule


class NotFound(WalletRuleViolation):
    """Not there, or not the caller's to see: the same answer, so nothing leaks."""

    status_code = 404


class Forbidden(WalletRuleViolation):
    """The caller may see it but this action is the other side's."""

    status_code = 403


class Refused(WalletRuleViolation):
    """A rule refuses the request as it stands (limits, hours, state); the message says which."""

    status_code = 409


class Invalid(WalletRuleViolation):
    """The request breaks a rule it can never satisfy as given (not family, region closed)."""

    status_code = 422


def now_local() -> dt.datetime:
    return timezone.localtime(timezone.now())


def event_record(
    *,
    action: str,
    obj,
    actor: InsuredPerson | None = None,
    actor_label: str = "",
    before: str = "",
    after: str = "",
    detail: str = "",
) -> WalletEvent:
    return WalletEvent.objects.create(
        actor=actor,
        actor_label=actor_label[:60],
        action=action,
        object_type=type(obj).__name__,
        object_id=obj.pk,
        before=str(before)[:100],
        after=str(after)[:100],
        detail=str(detail)[:200],
    )
