"""What every wallet service shares: the clock, the audit row (the core's AuditEvent) and the
suspension refusal's words."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, InsuredPerson, User
from accounts.services.audit import audit_event_record


def now_local() -> dt.datetime:
    return timezone.localtime(timezone.now())


def suspended_message(*, region_name: str) -> str:
    """Why a person suspended (暂停) in a region cannot send or spend there, and what to do."""
    return _(
        "您在%(region)s的参保登记已暂停（例如姓名与身份信息不一致，正在核实），暂停期间不能从"
        "该地的个人账户或医保钱包转出、支付。请联系参保单位（居民请联系社区）办理姓名核实；"
        "如急需就医，可携带身份证件和就医证明到医保经办机构申请立即恢复。"
    ) % {"region": region_name}


def event_who(after: dict | None, *, person_id: int | None, label: str = "") -> dict:
    """`after` with who acted when no login user says it: the acting insured person's id
    (`actor_person`) and a system or partner source (`actor_label`, e.g. "system")."""
    who = dict(after or {})
    if person_id is not None:
        who["actor_person"] = person_id
    if label:
        who["actor_label"] = label[:60]
    return who


def _login_user(person: InsuredPerson) -> User | None:
    """The person's login user; read only when the caller passed a stand-in without it."""
    if not person._state.adding and "user_id" in person.__dict__:
        user_id = person.user_id
    else:
        user_id = InsuredPerson.objects.filter(pk=person.pk).values_list("user_id", flat=True)
        user_id = next(iter(user_id), None)
    return User(pk=user_id) if user_id else None


def event_record(
    *,
    action: str,
    obj,
    actor: InsuredPerson | None = None,
    user: User | None = None,
    actor_label: str = "",
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
) -> AuditEvent:
    """The audit row of a wallet state change, inside the caller's transaction.

    `actor` is the insured person acting (recorded as their login user, and by id in
    `after`), `user` a staff or service user acting; `detail` is the reason.
    """
    return audit_event_record(
        actor=user or (_login_user(actor) if actor is not None else None),
        action=action,
        obj=obj,
        before=before or {},
        after=event_who(after, person_id=actor.pk if actor else None, label=actor_label),
        reason=str(detail)[:500],
    )
