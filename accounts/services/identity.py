"""Identity fields of a person (phone, name, retired): changed only here, each change audited.

A person changes their own phone with a code sent to the OLD phone; staff set a verified
phone, correct a name or the retired flag with a reason. Every phone change notifies the old
phone and stamps `phone_changed_at` (wallet transfers out wait 24 hours after it).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import hooks
from accounts.errors import BusinessRuleViolation
from accounts.messaging import mask_phone, message_send_on_commit
from accounts.models import Employer, InsuredPerson, Notification, PersonalAccount, User
from accounts.services.audit import audit_event_record
from accounts.services.notifications import notification_send
from accounts.services.periods import accounting_period_require_open

from .verification import (
    CODE_TTL,
    Purpose,
    pending_verification_locked,
    verification_code_accept,
    verification_code_issue,
)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _person_locked(person: InsuredPerson) -> InsuredPerson:
    return InsuredPerson.objects.select_for_update().get(pk=person.pk)


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessRuleViolation(_("请填写变更原因。"), field="reason", status_code=400)
    return reason


def _phone_set(person: InsuredPerson, phone: str, *, actor: User, reason: str, action: str):
    """Set the phone on the locked row, notify the old phone, write the audit row."""
    old = person.phone
    now = timezone.now()
    person.phone, person.phone_changed_at = phone, now
    person.save(update_fields=["phone", "phone_changed_at", "updated_at"])
    audit_event_record(
        actor=actor,
        action=action,
        obj=person,
        before={"phone": old},
        after={"phone": phone},
        reason=reason,
    )
    person_phone_change_notify(person=person, old_phone=old)


def employer_phone_set_by_staff(*, employer: Employer, phone: str, actor: User, reason: str):
    """Staff set an employer's verified contact phone (registration codes go to it), e.g. at
    the counter for an employer with none on file. Refusals (400): no reason, the same phone.
    The old phone is told."""
    reason = _reason_required(reason)
    with transaction.atomic():
        employer = Employer.objects.select_for_update().get(pk=employer.pk)
        old = employer.contact_phone
        if phone == old:
            raise BusinessRuleViolation(_("新手机号与原手机号相同。"), field="phone")
        employer.contact_phone = phone
        employer.save(update_fields=["contact_phone", "updated_at"])
        audit_event_record(
            actor=actor,
            action="employer.phone_set_by_staff",
            obj=employer,
            before={"contact_phone": old},
            after={"contact_phone": phone},
            reason=reason,
        )
        if old:
            body = _(
                "【医保服务门户】贵单位在医保服务门户的联系电话已变更为 %(phone)s。"
                "如非贵单位申请，请立即联系参保地经办机构。"
            ) % {"phone": mask_phone(phone)}
            notification_send(
                recipient=employer,
                kind=Notification.Kind.ACCOUNT,
                text=body,
                phone=old,
                reference="phone-changed",
            )
    return employer


def person_phone_change_notify(*, person: InsuredPerson, old_phone: str) -> None:
    """Tells the old phone, after the commit, and the portal that the phone on file changed
    (however it changed: the person, staff or the source system's feed). Refuses nothing."""
    if not old_phone:
        return
    body = _(
        "【医保服务门户】您在医保服务门户的手机号已于 %(time)s 变更为 %(phone)s，"
        "24小时内不能从医保钱包转出。如非本人操作，请立即携带身份证件到经办窗口处理。"
    ) % {
        "time": timezone.localtime(person.phone_changed_at).strftime("%Y-%m-%d %H:%M"),
        "phone": mask_phone(person.phone),
    }
    notification_send(
        recipient=person,
        kind=Notification.Kind.ACCOUNT,
        text=body,
        phone=old_phone,
        reference="phone-changed",
    )


def person_phone_change_request(*, person: InsuredPerson, new_phone: str) -> None:
    """A person asks to change their phone: a code goes to the phone on file (the OLD one).

    Refusals: no phone on file (at a service counter only), the same phone, today's codes used.
    """
    with transaction.atomic():
        person = _person_locked(person)
        if not person.phone:
            raise BusinessRuleViolation(
                _("您没有预留手机号，请携带身份证件到经办窗口办理。"), field="phone"
            )
        if new_phone == person.phone:
            raise BusinessRuleViolation(_("新手机号与原手机号相同。"), field="phone")
        code = verification_code_issue(
            purpose=Purpose.PHONE_CHANGE, person=person, new_phone=new_phone
        )
        if code is None:
            raise BusinessRuleViolation(
                _("今日获取验证码次数已达上限，请明天再试或到经办窗口办理。"),
                field="phone",
                status_code=429,
            )
        body = _(
            "【医保服务门户】验证码 %(code)s，用于将手机号变更为 %(phone)s，%(minutes)d 分钟内有效。"
            "如非本人操作，请勿告诉他人。"
        ) % {
            "code": code,
            "phone": mask_phone(new_phone),
            "minutes": CODE_TTL.seconds // 60,
        }
        message_send_on_commit(
            person=person, phone=person.phone, body=body, reference="phone-change"
        )


def person_phone_change_confirm(*, person: InsuredPerson, code: str) -> InsuredPerson:
    """The code from the old phone sets the new one; the old phone gets a notice.

    Refusal (400): no request, wrong or expired code, too many wrong tries.
    """
    with transaction.atomic():
        person = _person_locked(person)
        pending = pending_verification_locked(purpose=Purpose.PHONE_CHANGE, person=person)
        if verification_code_accept(pending=pending, code=code):
            _phone_set(
                person,
                pending.new_phone,
                actor=person.user,
                reason=_("本人通过原手机号验证码变更"),
                action="phone_change",
            )
            return person
    # After the block: a wrong try stays counted.
    raise BusinessRuleViolation(
        _("验证码错误或已失效，请重新获取。"), field="code", status_code=400
    )


@transaction.atomic
def person_phone_set_by_staff(
    *, person: InsuredPerson, phone: str, reason: str, actor: User
) -> InsuredPerson:
    """Staff set a phone they verified (at the counter, with the ID). Refusals: no reason, the
    same phone."""
    reason = _reason_required(reason)
    person = _person_locked(person)
    if phone == person.phone:
        raise BusinessRuleViolation(_("新手机号与原手机号相同。"), field="phone", status_code=400)
    _phone_set(person, phone, actor=actor, reason=reason, action="phone_set_by_staff")
    return person


@transaction.atomic
def person_name_correct(
    *, person: InsuredPerson, name: str, reason: str, actor: User
) -> InsuredPerson:
    """Staff correct a person's name (and their login's). Refusals: no reason, empty or same name."""
    reason = _reason_required(reason)
    name = (name or "").strip()
    person = _person_locked(person)
    if not name or name == person.name:
        raise BusinessRuleViolation(
            _("请填写与原姓名不同的新姓名。"), field="name", status_code=400
        )
    old = person.name
    person.name = name
    person.save(update_fields=["name", "updated_at"])
    if person.user_id:
        User.objects.filter(pk=person.user_id).update(first_name=name)
    audit_event_record(
        actor=actor,
        action="name_correct",
        obj=person,
        before={"name": old},
        after={"name": name},
        reason=reason,
    )
    return person


@transaction.atomic
def person_retired_set(
    *,
    person: InsuredPerson,
    retired: bool,
    reason: str,
    actor: User,
    retired_at: dt.date | None = None,
) -> InsuredPerson:
    """Staff set or clear the retired flag (在职转退休 or its correction), with the retirement
    date (today unless given; cleared with the flag) from which the retiree credit follows.

    Refusals: no reason, no change, and — as in the person feed — a region of the person
    (an enrollment record of any scheme, or a personal account not closed) whose accounting
    period is under assessment (核定) or closed.
    """
    reason = _reason_required(reason)
    person = _person_locked(person)
    if person.retired == retired:
        raise BusinessRuleViolation(_("退休状态没有变化。"), field="retired", status_code=400)
    regions = set(
        PersonalAccount.objects.filter(person=person)
        .exclude(status=PersonalAccount.Status.CLOSED)
        .values_list("region_id", flat=True)
    ) | hooks.person_regions(person=person)
    for region_code in sorted(regions):
        try:
            accounting_period_require_open(region_code=region_code)
        except BusinessRuleViolation as refusal:
            refusal.field = "retired"
            raise
    before = {"retired": person.retired, "retired_at": _iso(person.retired_at)}
    person.retired = retired
    person.retired_at = (retired_at or timezone.localdate()) if retired else None
    person.save(update_fields=["retired", "retired_at", "updated_at"])
    audit_event_record(
        actor=actor,
        action="retired_set",
        obj=person,
        before=before,
        after={"retired": retired, "retired_at": _iso(person.retired_at)},
        reason=reason,
    )
    return person
