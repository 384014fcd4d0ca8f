"""Resident refunds (城乡居民医保退费, SPEC §6): apply, ask for materials, approve, reject.

The review clock counts working days (accounts.working_days, the premium region's calendar)
from complete materials: on applying, `complete_on` is the day of the application and
`due_date` the 20th working day after it (region policy `resident_refund_review_days`).
When staff ask for missing materials the clock stops (both empty); when the applicant sends
them, the clock starts afresh: `complete_on` is that day and the full 20 working days count
from it again.

Every step writes a timeline entry, an audit row and a notice (kind REFUND) to the applicant.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Forbidden, Invalid, NotFound, Refused
from accounts.models import InsuredPerson, Notification, Region, RegionPolicy, User
from accounts.permissions import staff_may_act_on_region
from accounts.services.audit import audit_event_record, audit_snapshot
from accounts.services.ledger import Move, external_account, postings_create, region_account
from accounts.services.notifications import notification_send
from accounts.uploads import evidence_check, private_storage
from accounts.working_days import add_working_days

from ..models import ResidentPremium, ResidentRefund, ResidentRefundDocument, ResidentRefundEvent
from .clearances import BANK, bank_details_check

Type = ResidentRefund.Type
Status = ResidentRefund.Status
Doc = ResidentRefundDocument.Kind
POSTING_KIND = "RESIDENT_REFUND"

# SPEC §6: what each type must bring. Joining employee insurance or another region's resident
# insurance is proved by that insurance's enrolment certificate (其他参保证明).
REQUIRED_DOCUMENTS = {
    Type.DUPLICATE: (Doc.PAYMENT_RECEIPT, Doc.INSURANCE_STOPPED),
    Type.EMPLOYEE_INSURANCE: (Doc.OTHER_INSURANCE,),
    Type.OTHER_REGION: (Doc.OTHER_INSURANCE,),
    Type.PAYMENT_ERROR: (Doc.PAYMENT_RECEIPT,),
    Type.DEATH: (Doc.DEATH_CERTIFICATE,),
}
AGENT_DOCUMENTS = (Doc.POWER_OF_ATTORNEY, Doc.AGENT_ID)
_AUDITED = ("status", "complete_on", "due_date", "materials_note", "reason", "posting_key")


def _snapshot(refund: ResidentRefund) -> dict:
    """The audited fields, dates as ISO text (the audit row is JSON)."""
    values = audit_snapshot(refund, _AUDITED)
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _policy(region: Region) -> RegionPolicy:
    try:
        return region.policy
    except RegionPolicy.DoesNotExist:
        return RegionPolicy(region=region)


def collection_window(*, region: Region, year: int) -> tuple[dt.date, dt.date]:
    """The region's collection window (集中缴费期) for benefit year `year`: from its opening
    day in the year before to its closing day (default 1 September – 31 December)."""
    policy = _policy(region)
    opens_month, opens_day = map(int, policy.resident_collection_opens.split("-"))
    closes_month, closes_day = map(int, policy.resident_collection_closes.split("-"))
    opens = dt.date(year - 1, opens_month, opens_day)
    closes = dt.date(year - 1, closes_month, closes_day)
    if closes < opens:  # a window that runs over New Year closes in the benefit year
        closes = dt.date(year, closes_month, closes_day)
    return opens, closes


def refund_window_check(*, region: Region, year: int, today: dt.date) -> None:
    """SPEC §6: refundable only before the benefit year begins (rule `benefit_year_started`)
    and inside the region's collection window (rule `outside_collection_window`); 409."""
    if today >= dt.date(year, 1, 1):
        raise Refused(
            _("%(year)d 年度的待遇期已于 %(year)d 年1月1日开始，不能再申请退费。") % {"year": year},
            field="year",
            rule="benefit_year_started",
        )
    opens, closes = collection_window(region=region, year=year)
    if not opens <= today <= closes:
        raise Refused(
            _("%(region)s %(year)d 年度的退费只能在集中缴费期（%(opens)s 至 %(closes)s）内申请。")
            % {
                "region": region.name,
                "year": year,
                "opens": opens.isoformat(),
                "closes": closes.isoformat(),
            },
            field="year",
            rule="outside_collection_window",
        )


def _subject(*, applicant: InsuredPerson, refund_type: str, for_national_id: str):
    """The insured whose premium it is: the applicant, or the person an agent or heir names."""
    national_id = (for_national_id or "").strip().upper()
    if refund_type == Type.DEATH:
        if not national_id or national_id == applicant.national_id:
            raise Invalid(
                _("参保人死亡的退费由法定继承人申请，请填写已故参保人的身份证号码。"),
                field="for_national_id",
                rule="heir_names_deceased",
            )
    elif not national_id or national_id == applicant.national_id:
        return applicant
    subject = InsuredPerson.objects.filter(national_id=national_id).first()
    if subject is None:
        raise Invalid(
            _("没有身份证号码为 %(id)s 的参保人。") % {"id": national_id},
            field="for_national_id",
            rule="unknown_person",
        )
    return subject


def _checked_documents(documents: dict, required) -> list[tuple[str, object]]:
    """[(kind, CheckedUpload)] of every upload sent; refuses (422, the field is the kind) a
    required one missing or any file that is not a PDF, JPEG or PNG of at most 5 MB."""
    for kind in required:
        if not documents.get(kind):
            raise Invalid(
                _("请上传%(document)s。") % {"document": Doc(kind).label},
                field=kind,
                rule="document_required",
            )
    checked = []
    for kind, upload in documents.items():
        if not upload:
            continue
        if kind not in Doc.values:
            raise Invalid(_("未知的材料类型。"), field=kind, rule="document_kind")
        try:
            checked.append((kind, evidence_check(upload)))
        except ValidationError as exc:
            raise Invalid(exc.messages[0], field=kind, rule="document_invalid") from None
    return checked


def _store(refund: ResidentRefund, checked, stored: list[str]) -> None:
    """Save the files privately and their rows; `stored` collects the names, so the caller
    deletes the files when its transaction fails."""
    field = ResidentRefundDocument._meta.get_field("file")
    for kind, upload in checked:
        name = private_storage.save(
            field.generate_filename(None, upload.stored_name()), upload.file
        )
        stored.append(name)
        ResidentRefundDocument.objects.create(
            refund=refund,
            kind=kind,
            file=name,
            content_type=upload.content_type,
            original_name=upload.original_name,
        )


def _remove(stored: list[str]) -> None:
    for name in stored:
        private_storage.delete(name)


def _open_application() -> Refused:
    return Refused(
        _("该笔缴费已有一笔办理中的退费申请，请待其办结后再申请。"),
        field="year",
        rule="open_application",
    )


def _by_label(refund: ResidentRefund, *, staff: bool) -> str:
    if staff:
        return _("%(region)s 医保经办机构") % {"region": refund.premium.region.name}
    if refund.type == Type.DEATH:
        return _("法定继承人 %(name)s") % {"name": refund.applicant.name}
    if refund.by_agent:
        return _("代办人 %(name)s") % {"name": refund.applicant.name}
    return _("申请人本人")


def _step(
    refund: ResidentRefund,
    *,
    by: User | None,
    staff: bool,
    action: str,
    before: dict,
    note: str = "",
    message: str,
    at: dt.datetime | None = None,
) -> None:
    """The timeline entry, audit row and notice of a step; inside the step's transaction."""
    ResidentRefundEvent.objects.create(
        refund=refund,
        status=refund.status,
        at=at or timezone.now(),
        by=by,
        by_label=_by_label(refund, staff=staff),
        note=note[:500],
    )
    audit_event_record(
        actor=by,
        action=f"resident_refund.{action}",
        obj=refund,
        before=before,
        after=_snapshot(refund),
        reason=note,
    )
    notification_send(
        recipient=refund.applicant,
        kind=Notification.Kind.REFUND,
        text=_("【居民医保退费】申请 #%(id)s：%(message)s") % {"id": refund.pk, "message": message},
        link=f"/refunds/resident/{refund.pk}/",
        reference=f"resident-refund:{refund.pk}",
    )


def _clock_start(refund: ResidentRefund, day: dt.date) -> None:
    days = _policy(refund.premium.region).resident_refund_review_days
    refund.complete_on = day
    refund.due_date = add_working_days(day, days, region=refund.premium.region_id)


def resident_refund_apply(
    *,
    applicant: InsuredPerson,
    refund_type: str,
    region_code: str,
    year,
    bank_name: str,
    bank_account: str,
    documents: dict,
    for_national_id: str = "",
    at: dt.datetime | None = None,
) -> ResidentRefund:
    """Apply for the refund of a premium (the applicant's own, as an agent for `for_national_id`,
    or as the legal heir of `for_national_id` for a death). `at` is the moment of applying,
    now unless given (the demo files applications of a past collection window).

    Refusals, each naming its field and rule: 422 an unknown type (`type`), region, person or
    year; a death naming no one else (`heir_names_deceased`); a bank name or account that is
    not 10–30 digits; a required document missing (`document_required`, the field is the
    document) or not a PDF/JPEG/PNG of at most 5 MB. 409 no premium on record for that person,
    region and year (`no_premium`); the benefit year begun (`benefit_year_started`); outside
    the collection window (`outside_collection_window`); an open application for the premium
    (`open_application`).
    """
    if refund_type not in Type.values:
        raise Invalid(_("请选择退费类型。"), field="type", rule="unknown_type")
    subject = _subject(
        applicant=applicant, refund_type=refund_type, for_national_id=for_national_id
    )
    region = Region.objects.filter(pk=region_code).first() if isinstance(region_code, str) else None
    if region is None:
        raise Invalid(_("请选择缴费的统筹区。"), field="region", rule="unknown_region")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise Invalid(_("请填写缴费年度。"), field="year", rule="unknown_year") from None
    premium = ResidentPremium.objects.filter(person=subject, region=region, year=year).first()
    if premium is None:
        raise Refused(
            _("没有 %(name)s 在 %(region)s %(year)d 年度的居民医保缴费记录。")
            % {"name": subject.name, "region": region.name, "year": year},
            field="year",
            rule="no_premium",
        )
    now = at or timezone.now()
    refund_window_check(region=region, year=year, today=timezone.localdate(now))
    bank_name, bank_account = bank_details_check(bank_name=bank_name, bank_account=bank_account)
    by_agent = refund_type != Type.DEATH and subject.pk != applicant.pk
    required = REQUIRED_DOCUMENTS[refund_type] + (AGENT_DOCUMENTS if by_agent else ())
    checked = _checked_documents(documents, required)
    earlier = set(ResidentRefund.objects.filter(premium=premium).values_list("status", flat=True))
    if Status.APPROVED in earlier:
        raise Refused(_("该笔缴费已经退费，不能重复申请。"), field="year", rule="already_refunded")
    if earlier & set(ResidentRefund.OPEN_STATUSES):
        raise _open_application()
    stored: list[str] = []
    try:
        with transaction.atomic():
            refund = ResidentRefund(
                premium=premium,
                applicant=applicant,
                type=refund_type,
                by_agent=by_agent,
                amount_fen=premium.amount_fen,
                bank_name=bank_name,
                bank_account=bank_account,
                submitted_at=now,
            )
            _clock_start(refund, timezone.localdate(now))
            refund.save()
            _store(refund, checked, stored)
            _step(
                refund,
                by=applicant.user,
                staff=False,
                action="apply",
                at=now,
                before={},
                message=_("已提交，经办机构将于 %(due)s 前办理。") % {"due": refund.due_date},
            )
    except IntegrityError:
        _remove(stored)
        raise _open_application() from None
    except BaseException:
        _remove(stored)
        raise
    return refund


def _refund_lock(refund_id: int) -> ResidentRefund:
    """The application row, locked first (before any ledger account)."""
    try:
        return (
            ResidentRefund.objects.select_for_update(of=("self",))
            .select_related("premium__region", "applicant")
            .get(pk=refund_id)
        )
    except ResidentRefund.DoesNotExist:
        raise NotFound(_("没有这个退费申请。")) from None


def _staff_lock(refund_id: int, by: User) -> ResidentRefund:
    """Staff of the premium's region only: others are told nothing more than 404."""
    refund = _refund_lock(refund_id)
    if not staff_may_act_on_region(user=by, region_id=refund.premium.region_id):
        raise NotFound(_("没有这个退费申请。"))
    return refund


def _require(refund: ResidentRefund, *statuses) -> None:
    if refund.status not in statuses:
        raise Refused(
            _("该申请当前为“%(status)s”，不能进行此操作。")
            % {"status": refund.get_status_display()},
            rule="status",
        )


def resident_refund_materials_request(*, refund_id: int, by: User, note: str) -> ResidentRefund:
    """Staff ask for missing materials, saying which: the clock stops until they arrive.
    Refusals: 422 no note; 404 not found or another region's; 409 not waiting for review."""
    note = (note or "").strip()
    if not note:
        raise Invalid(_("请写明需要补充的材料。"), field="note")
    with transaction.atomic():
        refund = _staff_lock(refund_id, by)
        _require(refund, Status.WAITING)
        before = _snapshot(refund)
        refund.status = Status.MATERIALS_REQUESTED
        refund.materials_note = note[:500]
        refund.complete_on = refund.due_date = None
        refund.save(update_fields=["status", "materials_note", "complete_on", "due_date"])
        _step(
            refund,
            by=by,
            staff=True,
            action="materials_request",
            before=before,
            note=note,
            message=_("请补充材料：%(note)s。办理时限自材料齐全之日重新计算。") % {"note": note},
        )
    return refund


def resident_refund_materials_submit(
    *, refund_id: int, applicant: InsuredPerson, documents: dict
) -> ResidentRefund:
    """The applicant sends the materials asked for: the clock starts again from today.
    Refusals: 404 not found or not the applicant's (403 for the insured person an agent
    applied for); 409 no materials were asked for; 422 no
    file, or a file that is not a PDF/JPEG/PNG of at most 5 MB."""
    if not any(documents.values()):
        raise Invalid(_("请上传需要补充的材料。"), field="supplement", rule="document_required")
    checked = _checked_documents(documents, ())
    stored: list[str] = []
    try:
        with transaction.atomic():
            refund = _refund_lock(refund_id)
            if refund.applicant_id != applicant.pk:
                if refund.premium.person_id == applicant.pk:
                    raise Forbidden(_("补充材料由提交申请的代办人上传。"), rule="applicant_only")
                raise NotFound(_("没有这个退费申请。"))
            _require(refund, Status.MATERIALS_REQUESTED)
            before = _snapshot(refund)
            _store(refund, checked, stored)
            refund.status = Status.WAITING
            _clock_start(refund, timezone.localdate())
            refund.save(update_fields=["status", "complete_on", "due_date"])
            _step(
                refund,
                by=applicant.user,
                staff=False,
                action="materials_submit",
                before=before,
                message=_("材料已补齐，经办机构将于 %(due)s 前办理。") % {"due": refund.due_date},
            )
    except BaseException:
        _remove(stored)
        raise
    return refund


def resident_refund_approve(*, refund_id: int, by: User) -> ResidentRefund:
    """Staff of the premium's region approve: the amount goes from the region fund to the bank
    counterparty, exactly once (the row lock and the posting's idempotency key). Refusals: 404
    not found or another region's; 409 not waiting for review (decided, or materials asked)."""
    with transaction.atomic():
        refund = _staff_lock(refund_id, by)
        _require(refund, Status.WAITING)
        before = _snapshot(refund)
        refund.posting_key = f"resident-refund:{refund.pk}"
        postings_create(
            moves=[
                Move(
                    region_account(region=refund.premium.region).pk,
                    external_account(code=BANK).pk,
                    refund.amount_fen,
                    POSTING_KIND,
                    refund.posting_key,
                    reference=f"resident-refund-{refund.pk}",
                )
            ]
        )
        refund.status = Status.APPROVED
        refund.decided_by, refund.decided_at = by, timezone.now()
        refund.save(update_fields=["status", "decided_by", "decided_at", "posting_key"])
        _step(
            refund,
            by=by,
            staff=True,
            action="approve",
            before=before,
            message=_("已审核通过，%(amount)s 元退至 %(bank)s（账号 %(account)s）。")
            % {
                "amount": refund.amount,
                "bank": refund.bank_name,
                "account": refund.masked_bank_account,
            },
        )
    return refund


def resident_refund_reject(*, refund_id: int, by: User, reason: str) -> ResidentRefund:
    """Staff of the premium's region refuse, with a reason the applicant reads. Refusals: 422
    no reason; 404 not found or another region's; 409 decided already."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("请填写不予退费的原因。"), field="reason")
    with transaction.atomic():
        refund = _staff_lock(refund_id, by)
        _require(refund, *ResidentRefund.OPEN_STATUSES)
        before = _snapshot(refund)
        refund.status = Status.REJECTED
        refund.reason = reason[:500]
        refund.complete_on = refund.due_date = None
        refund.decided_by, refund.decided_at = by, timezone.now()
        refund.save(
            update_fields=[
                "status",
                "reason",
                "complete_on",
                "due_date",
                "decided_by",
                "decided_at",
            ]
        )
        _step(
            refund,
            by=by,
            staff=True,
            action="reject",
            before=before,
            note=reason,
            message=_("不予退费：%(reason)s") % {"reason": reason},
        )
    return refund
