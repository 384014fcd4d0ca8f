"""Family binding (近亲属绑定): one side asks, the other (or a minor's guardian) confirms.

A minor (under 18 on the day, Asia/Shanghai) never asks, confirms or ends anything: a confirmed
guardian does. The first guardian binding of a minor (a parent asking for their child) comes
with evidence (户口簿 / 出生医学证明) and waits for staff of the child's region.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation, Forbidden, Invalid, NotFound, Refused
from accounts.models import InsuredPerson, User
from accounts.uploads import evidence_check, private_storage

from .. import selectors
from ..models import FamilyBinding, GuardianReview, Relation, WalletTransfer
from ..selectors import person_is_minor
from .common import event_record
from .transfer_states import transfer_cancel_locked, transfer_return_locked

Status = FamilyBinding.Status


def is_guardian(*, person: InsuredPerson, minor_id: int) -> bool:
    """A confirmed guardian binding (staff-approved, or confirmed by a guardian) to the minor."""
    return FamilyBinding.objects.filter(
        Q(requester=person, member_id=minor_id) | Q(member=person, requester_id=minor_id),
        status=Status.CONFIRMED,
        guardian=True,
    ).exists()


def _has_guardian(*, minor_id: int) -> bool:
    return FamilyBinding.objects.filter(
        Q(requester_id=minor_id) | Q(member_id=minor_id), status=Status.CONFIRMED, guardian=True
    ).exists()


def _refuse_minor_acting(person: InsuredPerson) -> None:
    if person_is_minor(person=person):
        raise Forbidden(
            _("未满18周岁的参保人不能自行办理家庭成员绑定，请由已确认的监护人办理。"),
            rule="minor",
        )


def _binding_locked(*, binding_id: int) -> FamilyBinding | None:
    return (
        FamilyBinding.objects.select_for_update(of=("self",))
        .select_related("requester", "member")
        .filter(pk=binding_id)
        .first()
    )


def family_binding_request(
    *, requester: InsuredPerson, national_id: str, name: str, relation: str, evidence=None
) -> FamilyBinding:
    """Ask to bind a close relative (近亲属); it stays PENDING until the other side confirms.

    Refused for a minor requester. For a minor member without a guardian only a parent may ask
    (relation CHILD), with evidence (PDF/JPG/PNG, checked by content, at most 5 MB): the
    request then waits for staff of the child's region (a GuardianReview). The evidence file
    is removed again when the request is refused.
    """
    stored: list[str] = []
    try:
        return _binding_request(
            requester=requester,
            national_id=national_id,
            name=name,
            relation=relation,
            evidence=evidence,
            stored=stored,
        )
    except BaseException:
        for stored_name in stored:
            private_storage.delete(stored_name)
        raise


@transaction.atomic
def _binding_request(
    *, requester: InsuredPerson, national_id: str, name: str, relation: str, evidence, stored
) -> FamilyBinding:
    _refuse_minor_acting(requester)
    if relation not in Relation.values:
        raise Invalid(_("关系只能是配偶、父母、子女、兄弟姐妹、祖父母或孙子女。"), field="relation")
    member = InsuredPerson.objects.filter(national_id=national_id.strip().upper()).first()
    if member is None or member.name != name.strip():
        # The same answer for "unknown" and "wrong name": nobody learns who is insured.
        raise NotFound(_("未找到该参保人，或姓名与证件号码不一致。"), field="national_id")
    if member.pk == requester.pk:
        raise Invalid(_("不能绑定本人。"), field="national_id")
    regions = selectors.insured_regions(person_ids=[requester.pk, member.pk])
    if regions[requester.pk] is None:
        raise Invalid(_("您当前没有有效的参保登记，不能绑定家庭成员。"))
    if regions[member.pk] is None:
        raise Invalid(_("对方当前没有有效的参保登记，不能绑定。"), field="national_id")
    checked = None
    if person_is_minor(person=member) and not _has_guardian(minor_id=member.pk):
        if relation != Relation.CHILD:
            raise Refused(
                _(
                    "对方未满18周岁且尚无经审核的监护人：须先由其父母申请绑定（关系选“子女”）"
                    "并上传户口簿或出生医学证明，经办机构审核通过后，再由监护人确认其他绑定。"
                ),
                field="relation",
                rule="minor_without_guardian",
            )
        checked = _evidence_checked(evidence)
    try:
        with transaction.atomic():
            binding = FamilyBinding.objects.create(
                requester=requester,
                member=member,
                relation=relation,
                requester_region_id=regions[requester.pk],
                member_region_id=regions[member.pk],
            )
    except IntegrityError:
        raise Refused(
            _("您与该参保人之间已有绑定或待确认的申请，不能重复申请。"), field="national_id"
        ) from None
    event_record(
        action="binding_request", obj=binding, actor=requester, after={"status": Status.PENDING}
    )
    if checked is not None:
        field = GuardianReview._meta.get_field("evidence")
        stored.append(
            private_storage.save(field.generate_filename(None, checked.stored_name()), checked.file)
        )
        review = GuardianReview.objects.create(
            binding=binding,
            region_id=regions[member.pk],
            evidence=stored[-1],
            evidence_name=checked.original_name,
            evidence_type=checked.content_type,
            evidence_size=checked.size,
        )
        event_record(
            action="guardian_review_request",
            obj=review,
            actor=requester,
            after={"status": GuardianReview.Status.WAITING},
        )
    return binding


def _evidence_checked(evidence):
    if evidence is None:
        raise BusinessRuleViolation(
            _("为未成年子女申请监护关系绑定，须上传户口簿或出生医学证明（PDF、JPG 或 PNG）。"),
            field="evidence",
            status_code=400,
        )
    try:
        return evidence_check(evidence)
    except ValidationError as exc:
        raise BusinessRuleViolation(exc.messages[0], field="evidence", status_code=400) from None


@transaction.atomic
def family_binding_confirm(*, binding_id: int, by: InsuredPerson) -> FamilyBinding:
    """The adult member confirms; for a minor member only a confirmed guardian does.

    Refused to a minor, to the requester, and while the binding waits for staff (a guardian
    binding with evidence). A parent's binding confirmed by a guardian makes a guardian too.
    """
    binding = _binding_locked(binding_id=binding_id)
    if binding is None:
        raise NotFound(_("未找到该绑定申请。"))
    minor_member = person_is_minor(person=binding.member)
    if by.pk == binding.member_id:
        _refuse_minor_acting(by)
    elif by.pk == binding.requester_id:
        raise Forbidden(_("绑定申请需由对方（或未成年人的监护人）确认，申请人不能自行确认。"))
    elif not (minor_member and is_guardian(person=by, minor_id=binding.member_id)):
        raise NotFound(_("未找到该绑定申请。"))
    if binding.status == Status.CONFIRMED:
        return binding
    if binding.status != Status.PENDING:
        raise Refused(_("该绑定已解除，不能确认。"))
    if GuardianReview.objects.filter(
        binding=binding, status=GuardianReview.Status.WAITING
    ).exists():
        raise Refused(_("该监护关系绑定正在等待经办机构审核证明材料，审核通过后自动生效。"))
    binding.status, binding.confirmed_by, binding.confirmed_at = (
        Status.CONFIRMED,
        by,
        timezone.now(),
    )
    # A second parent, confirmed for the child by a guardian, is a guardian as well.
    binding.guardian = minor_member and binding.relation == Relation.CHILD
    binding.save(update_fields=["status", "confirmed_by", "confirmed_at", "guardian"])
    event_record(
        action="binding_confirm",
        obj=binding,
        actor=by,
        before={"status": Status.PENDING},
        after={"status": Status.CONFIRMED},
    )
    return binding


def _binding_end(
    binding: FamilyBinding,
    *,
    by: InsuredPerson | None,
    reason: str,
    actor_label: str = "",
    user: User | None = None,
) -> FamilyBinding:
    """End a locked live binding: unconfirmed transfers are cancelled, unaccepted ones return."""
    before = binding.status
    binding.status, binding.ended_by, binding.ended_at = Status.ENDED, by, timezone.now()
    binding.end_reason = reason[:200]
    binding.save(update_fields=["status", "ended_by", "ended_at", "end_reason"])
    GuardianReview.objects.filter(binding=binding, status=GuardianReview.Status.WAITING).update(
        status=GuardianReview.Status.WITHDRAWN
    )
    open_transfers = (
        WalletTransfer.objects.select_for_update(of=("self",))
        .filter(
            binding=binding,
            status__in=[WalletTransfer.Status.AWAITING_CODE, WalletTransfer.Status.SENT],
        )
        .order_by("pk")
    )
    for transfer in open_transfers:
        if transfer.status == WalletTransfer.Status.SENT:
            transfer_return_locked(transfer, reason=_("家庭成员绑定已解除"))
        else:
            transfer_cancel_locked(transfer, reason=_("家庭成员绑定已解除"))
    event_record(
        action="binding_end",
        obj=binding,
        actor=by,
        user=user,
        actor_label=actor_label,
        before={"status": before},
        after={"status": Status.ENDED},
        detail=reason,
    )
    return binding


@transaction.atomic
def family_binding_end(*, binding_id: int, by: InsuredPerson, reason: str = "") -> FamilyBinding:
    """Either adult side ends a binding (a pending one too: that declines or withdraws it);
    for a minor side a confirmed guardian does. Refused to a minor."""
    binding = _binding_locked(binding_id=binding_id)
    if binding is None:
        raise NotFound(_("未找到该绑定。"))
    if by.pk in (binding.requester_id, binding.member_id):
        _refuse_minor_acting(by)
    elif not any(
        person_is_minor(person=side) and is_guardian(person=by, minor_id=side.pk)
        for side in (binding.member, binding.requester)
    ):
        raise NotFound(_("未找到该绑定。"))
    if binding.status == Status.ENDED:
        return binding
    default = _("本人解除") if by.pk == binding.requester_id else _("家庭成员解除")
    return _binding_end(binding, by=by, reason=reason or default)


def family_bindings_end_stale(*, person_ids=None) -> int:
    """End live bindings whose side's enrollment ended or moved to another region (自动解除).

    Called when an enrollment changes and nightly for everything; each binding in its own
    transaction, so one failure leaves the others done.
    """
    live = FamilyBinding.objects.filter(status__in=FamilyBinding.ACTIVE_STATUSES)
    if person_ids is not None:
        live = live.filter(pk__in=selectors.live_family_binding_ids_of(person_ids=person_ids))
    ended = 0
    rows = list(
        live.values_list(
            "pk", "requester_id", "member_id", "requester_region_id", "member_region_id"
        )
    )
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        regions = selectors.insured_regions(
            person_ids={pid for row in chunk for pid in (row[1], row[2])}
        )
        for pk, requester_id, member_id, requester_region, member_region in chunk:
            if regions[requester_id] == requester_region and regions[member_id] == member_region:
                continue
            with transaction.atomic():
                binding = _binding_locked(binding_id=pk)
                if binding is not None and binding.status in FamilyBinding.ACTIVE_STATUSES:
                    _binding_end(
                        binding,
                        by=None,
                        reason=_("参保关系终止或转移到其他统筹区，绑定自动解除"),
                        actor_label="system",
                    )
                    ended += 1
    return ended


# --- staff review of a first guardian binding ----------------------------------------------


def _staff_may_review(*, user: User, review: GuardianReview) -> bool:
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.regions.filter(pk=review.region_id).exists()


def _review_locked(*, review_id: int, by: User) -> tuple[GuardianReview, FamilyBinding]:
    """The review and its binding, locked in the order every path uses (binding first)."""
    review = GuardianReview.objects.filter(pk=review_id).first()
    if review is None or not _staff_may_review(user=by, review=review):
        raise NotFound(_("未找到该监护关系审核。"))
    binding = _binding_locked(binding_id=review.binding_id)
    review = GuardianReview.objects.select_for_update().get(pk=review_id)
    if review.status != GuardianReview.Status.WAITING or binding.status != Status.PENDING:
        raise Refused(
            _("该审核已办结（%(status)s），不能再审核。") % {"status": review.get_status_display()}
        )
    return review, binding


def _review_done(review: GuardianReview, *, status: str, by: User, note: str) -> None:
    review.status, review.reviewed_by, review.reviewed_at = status, by, timezone.now()
    review.note = note[:200]
    review.save(update_fields=["status", "reviewed_by", "reviewed_at", "note"])
    event_record(
        action=f"guardian_review_{status.lower()}",
        obj=review,
        user=by,
        before={"status": GuardianReview.Status.WAITING},
        after={"status": status},
        detail=note,
    )


@transaction.atomic
def guardian_review_approve(*, review_id: int, by: User, note: str = "") -> GuardianReview:
    """Staff of the minor's region approve the evidence: the binding is a confirmed guardian
    binding. Refused to other regions' staff (not found) and for a review already settled."""
    review, binding = _review_locked(review_id=review_id, by=by)
    _review_done(review, status=GuardianReview.Status.APPROVED, by=by, note=note.strip())
    binding.status, binding.confirmed_at, binding.guardian = Status.CONFIRMED, timezone.now(), True
    binding.save(update_fields=["status", "confirmed_at", "guardian"])
    event_record(
        action="binding_confirm",
        obj=binding,
        user=by,
        before={"status": Status.PENDING},
        after={"status": Status.CONFIRMED},
        detail=_("经办机构审核通过监护关系"),
    )
    return review


@transaction.atomic
def guardian_review_reject(*, review_id: int, by: User, reason: str) -> GuardianReview:
    """Staff of the minor's region reject the evidence with a reason: the binding ends.
    Refused without a reason, to other regions' staff and for a review already settled."""
    reason = (reason or "").strip()
    if not reason:
        raise BusinessRuleViolation(_("请填写不予通过的原因。"), field="note", status_code=400)
    review, binding = _review_locked(review_id=review_id, by=by)
    _review_done(review, status=GuardianReview.Status.REJECTED, by=by, note=reason)
    _binding_end(
        binding,
        by=None,
        reason=_("经办机构审核未通过：%(reason)s") % {"reason": reason},
        user=by,
    )
    return review
