"""What the transfer services share: refusals, the one guarded transition, notifications."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import Notification, Region, RegionPolicy, User
from accounts.services.audit import audit_event_record
from accounts.services.notifications import notification_send

from ..models import TransferApplication, TransferEvent, TransferStatus

S = TransferStatus

# The one place transitions are allowed: action → (from statuses, to status, acting side).
# Side "applicant" is the person; "out"/"in" the staff of 转出地/转入地.
TRANSITIONS = {
    "withdraw": ((S.SUBMITTED,), S.WITHDRAWN, "applicant"),
    "out_approve": ((S.SUBMITTED,), S.OUT_APPROVED, "out"),
    "out_reject": ((S.SUBMITTED,), S.REJECTED, "out"),
    "in_accept": ((S.OUT_APPROVED,), S.COMPLETED, "in"),
    "in_reject": ((S.OUT_APPROVED,), S.REJECTED, "in"),
}

_AUDITED = ("status", "reject_reason", "certificate_number", "transit_parts")


class TransferRefused(BusinessRuleViolation):
    """An application the rules refuse: `reasons` names every unmet condition."""

    def __init__(self, reasons: list[str], *, status_code: int = 409):
        numbered = "；".join(f"{i}. {reason}" for i, reason in enumerate(reasons, 1))
        super().__init__(
            _("不能办理转移接续：%(reasons)s") % {"reasons": numbered}, status_code=status_code
        )
        self.reasons = reasons


class NotFound(BusinessRuleViolation):
    """Not there, or not the caller's: the same answer, so nothing leaks."""

    status_code = 404


def region_policy(region: Region) -> RegionPolicy:
    """The region's policy row, or the defaults while staff have not saved one."""
    try:
        return region.policy
    except RegionPolicy.DoesNotExist:
        return RegionPolicy(region=region)


def transition_check(application: TransferApplication, action: str) -> None:
    """Refuses an action the application's status does not allow, saying what it is now."""
    allowed, _target, _side = TRANSITIONS[action]
    if application.status not in allowed:
        raise BusinessRuleViolation(
            _("该申请当前为“%(status)s”，不能进行此操作。")
            % {"status": application.get_status_display()}
        )


def side_of(action: str) -> str:
    return TRANSITIONS[action][2]


def step_by_label(application: TransferApplication, by: User | None, side: str) -> str:
    if side == "applicant":
        return _("申请人本人")
    region = application.from_region if side == "out" else application.to_region
    role = _("转出地") if side == "out" else _("转入地")
    return _("%(role)s %(region)s 医保经办机构") % {"role": role, "region": region.name}


def applicant_notify(application: TransferApplication, text: str) -> None:
    """The one way the applicant hears of a step: a notice on the portal, and by SMS, after
    the commit."""
    notification_send(
        recipient=application.person,
        kind=Notification.Kind.TRANSFER,
        text=text,
        link=reverse("transfers:detail", args=[application.pk]),
        reference=f"transfer:{application.pk}",
    )


def step_record(
    application: TransferApplication,
    *,
    action: str,
    by: User | None,
    before: dict,
    note: str = "",
) -> TransferEvent:
    """Move to the action's status and write its timeline entry, audit row and notice; call it
    inside the transaction holding the application's lock, after `transition_check`."""
    _allowed, target, side = TRANSITIONS[action]
    now = timezone.now()
    application.status = target
    application.save()
    event = TransferEvent.objects.create(
        application=application,
        status=target,
        at=now,
        by=by,
        by_label=step_by_label(application, by, side),
        note=note[:500],
    )
    audit_event_record(
        actor=by,
        action=f"transfer.{action}",
        obj=application,
        before=before,
        after=audit_snapshot(application),
        reason=note,
    )
    applicant_notify(
        application,
        _("【医保转移接续】您的申请 #%(id)s（%(from)s→%(to)s）：%(status)s。%(note)s")
        % {
            "id": application.pk,
            "from": application.from_region.name,
            "to": application.to_region.name,
            "status": application.get_status_display(),
            "note": note,
        },
    )
    return event


def audit_snapshot(application: TransferApplication) -> dict:
    return {name: getattr(application, name) for name in _AUDITED}


def application_lock(application_id: int) -> TransferApplication:
    """The application row first: every path locks it before any ledger account."""
    try:
        return (
            TransferApplication.objects.select_for_update(of=("self",))
            .select_related("person", "from_region", "to_region")
            .get(pk=application_id)
        )
    except TransferApplication.DoesNotExist:
        raise NotFound(_("未找到该转移接续申请。")) from None
