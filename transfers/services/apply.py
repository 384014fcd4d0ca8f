"""Applying (filed with 转出地) and withdrawing: SPEC §5's conditions, every unmet one named."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import AccountingPeriod, Contribution, InsuredPerson, Region
from accounts.services.audit import audit_event_record
from accounts.services.periods import accounting_period_require_open
from accounts.uploads import CheckedUpload, evidence_check, private_storage
from accounts.working_days import add_working_days
from enrollment.models import EMPLOYEE_SCHEMES, EnrollmentStatus, Scheme
from enrollment.selectors import enrollments_in_region

from ..models import OPEN_STATUSES, TransferApplication, TransferEvent, TransferStatus
from ._common import (
    NotFound,
    TransferRefused,
    applicant_notify,
    application_lock,
    audit_snapshot,
    region_policy,
    step_by_label,
    step_record,
    transition_check,
)


def scheme_group(scheme: str) -> tuple[str, ...]:
    """Employee and flexible employment are one insurance (职工医保); residents another."""
    return tuple(EMPLOYEE_SCHEMES) if scheme in EMPLOYEE_SCHEMES else (Scheme.RESIDENT,)


def _arrears(*, person: InsuredPerson, region_id: str, registered_at) -> list[str]:
    """欠费: assessed (or closed) periods of the old region, from registration up to the last
    contribution on record, with no payment arrived. (Once enrollments keep `stopped_at`, the
    stop month should bound this instead of the last contribution.)"""
    contributions = Contribution.objects.filter(person=person, region_id=region_id)
    last = contributions.order_by("-period").values_list("period", flat=True).first()
    if last is None:
        return []
    paid = set(contributions.filter(paid_at__isnull=False).values_list("period", flat=True))
    assessed = AccountingPeriod.objects.filter(
        region_id=region_id,
        status__in=(AccountingPeriod.Status.ASSESSED, AccountingPeriod.Status.CLOSED),
        period__gte=timezone.localtime(registered_at).strftime("%Y%m"),
        period__lte=last,
    ).values_list("period", flat=True)
    return sorted(p for p in assessed if p not in paid)


def transfer_conditions(
    *, person: InsuredPerson, from_region: Region, to_region: Region, scheme: str
) -> list[str]:
    """Every unmet condition of SPEC §5, in words the applicant reads; empty when all are met."""
    reasons: list[str] = []
    group = scheme_group(scheme)
    scheme_label = Scheme(scheme).label
    old = enrollments_in_region(person=person, region_id=from_region.pk, schemes=group)
    new = enrollments_in_region(person=person, region_id=to_region.pk, schemes=group)
    stopped = [e for e in old if e.status == EnrollmentStatus.STOPPED]
    not_stopped = [
        e for e in old if e.status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.SUSPENDED)
    ]
    if not old:
        reasons.append(
            _("您在原参保地 %(region)s 没有%(scheme)s参保记录。")
            % {"region": from_region.name, "scheme": scheme_label}
        )
    elif not_stopped or not stopped:
        status = (not_stopped or old)[0].get_status_display()
        reasons.append(
            _("原参保地 %(region)s 的参保登记尚未停保（当前为“%(status)s”），请先办理停保。")
            % {"region": from_region.name, "status": status}
        )
    paid = Contribution.objects.filter(
        person=person, region=from_region, paid_at__isnull=False
    ).exists()
    if old and not paid:
        reasons.append(
            _("原参保地 %(region)s 没有实际缴费记录，无需办理转移接续。")
            % {"region": from_region.name}
        )
    if not any(e.status == EnrollmentStatus.ACTIVE for e in new):
        reasons.append(
            _("新参保地 %(region)s 尚未正常参保（账户状态须为正常），请先在新参保地参保。")
            % {"region": to_region.name}
        )
    from_policy = region_policy(from_region)
    if stopped and paid and from_policy.transfer_refuse_arrears:
        unpaid = _arrears(
            person=person, region_id=from_region.pk, registered_at=stopped[0].registered_at
        )
        if unpaid:
            reasons.append(
                _("原参保地 %(region)s 有欠费（%(periods)s），按当地规定须补缴后方可转出。")
                % {"region": from_region.name, "periods": "、".join(unpaid)}
            )
    if person.retired and not from_policy.transfer_retirees_allowed:
        reasons.append(
            _("原参保地 %(region)s 规定退休人员的转移接续另行办理，请到经办机构咨询。")
            % {"region": from_region.name}
        )
    open_one = (
        TransferApplication.objects.filter(person=person, status__in=OPEN_STATUSES)
        .values_list("pk", flat=True)
        .first()
    )
    if open_one is not None:
        reasons.append(
            _("您已有一笔办理中的转移接续申请（#%(id)s），请待其办结或撤回后再申请。")
            % {"id": open_one}
        )
    for region in (from_region, to_region):
        try:
            accounting_period_require_open(region_code=region.pk)
        except BusinessRuleViolation as exc:
            reasons.append(exc.message)
    return reasons


def transfer_due_dates(*, from_region: Region, to_region: Region, day) -> tuple:
    """(转出 due, whole due) in working days of 转出地's calendar: 10 and 10 + 5 = 15 by
    default; each region's policy may shorten its own step."""
    out_days = region_policy(from_region).transfer_out_days
    in_days = region_policy(to_region).transfer_in_days
    return (
        add_working_days(day, out_days, region=from_region),
        add_working_days(day, out_days + in_days, region=from_region),
    )


def _upload(upload, field: str) -> CheckedUpload:
    try:
        return evidence_check(upload)
    except ValidationError as exc:
        message = exc.messages[0] if exc.code != "required" else _("请上传身份证正反面。")
        raise BusinessRuleViolation(message, field=field, status_code=400) from None


def transfer_apply(
    *,
    person: InsuredPerson,
    from_region: Region,
    to_region: Region,
    scheme: str,
    id_front,
    id_back,
) -> TransferApplication:
    """File an application. Refuses (400) bad uploads or the same region twice, and (409,
    `TransferRefused`) when any SPEC §5 condition is unmet, naming each."""
    if from_region.pk == to_region.pk:
        raise BusinessRuleViolation(
            _("转出地和转入地不能相同。"), field="to_region", status_code=400
        )
    front, back = _upload(id_front, "id_front"), _upload(id_back, "id_back")
    reasons = transfer_conditions(
        person=person, from_region=from_region, to_region=to_region, scheme=scheme
    )
    if reasons:
        raise TransferRefused(reasons)
    field = TransferApplication._meta.get_field("id_front")
    stored = [
        private_storage.save(field.generate_filename(None, f.stored_name()), f.file)
        for f in (front, back)
    ]
    try:
        return _create(
            person=person,
            from_region=from_region,
            to_region=to_region,
            scheme=scheme,
            files=list(zip(stored, (front, back), strict=True)),
        )
    except BaseException:
        for name in stored:
            private_storage.delete(name)
        raise


def _create(*, person, from_region, to_region, scheme, files) -> TransferApplication:
    now = timezone.now()
    out_due, complete_due = transfer_due_dates(
        from_region=from_region, to_region=to_region, day=timezone.localdate(now)
    )
    (front_name, front), (back_name, back) = files
    try:
        with transaction.atomic():
            application = TransferApplication.objects.create(
                person=person,
                from_region=from_region,
                to_region=to_region,
                scheme=scheme,
                submitted_at=now,
                out_due=out_due,
                complete_due=complete_due,
                id_front=front_name,
                id_front_type=front.content_type,
                id_back=back_name,
                id_back_type=back.content_type,
            )
            TransferEvent.objects.create(
                application=application,
                status=TransferStatus.SUBMITTED,
                at=now,
                by=person.user,
                by_label=step_by_label(application, person.user, "applicant"),
            )
            _audit_submitted(application, person)
    except IntegrityError:
        # Another application of the person was filed at the same moment.
        raise TransferRefused(
            [_("您已有一笔办理中的转移接续申请，请待其办结或撤回后再申请。")]
        ) from None
    applicant_notify(
        application,
        _(
            "【医保转移接续】您的申请 #%(id)s 已提交，转出地将于 %(out)s 前办理，全流程于 %(due)s 前办结。"
        )
        % {"id": application.pk, "out": out_due.isoformat(), "due": complete_due.isoformat()},
    )
    return application


def _audit_submitted(application: TransferApplication, person: InsuredPerson) -> None:
    audit_event_record(
        actor=person.user,
        action="transfer.apply",
        obj=application,
        before={},
        after=audit_snapshot(application),
    )


def transfer_withdraw(*, application_id: int, person: InsuredPerson) -> TransferApplication:
    """The applicant withdraws while SUBMITTED; someone else's application is not found."""
    with transaction.atomic():
        application = application_lock(application_id)
        if application.person_id != person.pk:
            raise NotFound(_("未找到该转移接续申请。"))
        transition_check(application, "withdraw")
        before = audit_snapshot(application)
        application.finished_at = timezone.now()
        step_record(application, action="withdraw", by=person.user, before=before)
    return application
