"""Family binding (近亲属绑定): one side asks, the other (or a minor's guardian) confirms."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.identity import birth_date_from_national_id
from accounts.models import InsuredPerson

from .. import selectors
from ..models import FamilyBinding, Relation, WalletTransfer
from .common import Forbidden, Invalid, NotFound, Refused, event_record

Status = FamilyBinding.Status
ADULT_AGE = 18


def person_is_minor(*, person: InsuredPerson, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    born = person.birth_date or birth_date_from_national_id(person.national_id)
    try:
        adult_on = born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # born on 29 February
        adult_on = born.replace(year=born.year + ADULT_AGE, day=28)
    return today < adult_on


def _is_guardian(*, person: InsuredPerson, minor_id: int) -> bool:
    """A confirmed parent of the person (by either side's binding)."""
    return FamilyBinding.objects.filter(
        Q(requester=person, member_id=minor_id, relation=Relation.CHILD)
        | Q(member=person, requester_id=minor_id, relation=Relation.PARENT),
        status=Status.CONFIRMED,
    ).exists()


def _binding_locked(*, binding_id: int) -> FamilyBinding | None:
    return (
        FamilyBinding.objects.select_for_update(of=("self",))
        .select_related("requester", "member")
        .filter(pk=binding_id)
        .first()
    )


@transaction.atomic
def family_binding_request(
    *, requester: InsuredPerson, national_id: str, name: str, relation: str
) -> FamilyBinding:
    """Ask to bind a close relative (近亲属); it stays PENDING until the other side confirms."""
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
    event_record(action="binding_request", obj=binding, actor=requester, after=Status.PENDING)
    return binding


@transaction.atomic
def family_binding_confirm(*, binding_id: int, by: InsuredPerson) -> FamilyBinding:
    """The member confirms, or for a minor member a guardian (a confirmed parent) does."""
    binding = _binding_locked(binding_id=binding_id)
    if binding is None:
        raise NotFound(_("未找到该绑定申请。"))
    may_confirm = by.pk == binding.member_id or (
        by.pk != binding.requester_id
        and person_is_minor(person=binding.member)
        and _is_guardian(person=by, minor_id=binding.member_id)
    )
    if not may_confirm:
        if by.pk == binding.requester_id:
            raise Forbidden(_("绑定申请需由对方（或未成年人的监护人）确认，申请人不能自行确认。"))
        raise NotFound(_("未找到该绑定申请。"))
    if binding.status == Status.CONFIRMED:
        return binding
    if binding.status != Status.PENDING:
        raise Refused(_("该绑定已解除，不能确认。"))
    binding.status, binding.confirmed_by, binding.confirmed_at = (
        Status.CONFIRMED,
        by,
        timezone.now(),
    )
    binding.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    event_record(
        action="binding_confirm",
        obj=binding,
        actor=by,
        before=Status.PENDING,
        after=Status.CONFIRMED,
    )
    return binding


def _binding_end(
    binding: FamilyBinding, *, by: InsuredPerson | None, reason: str, actor_label: str = ""
) -> FamilyBinding:
    """End a locked live binding: unconfirmed transfers are cancelled, unaccepted ones return."""
    from .transfers import transfer_cancel_locked, transfer_return_locked

    before = binding.status
    binding.status, binding.ended_by, binding.ended_at = Status.ENDED, by, timezone.now()
    binding.end_reason = reason[:200]
    binding.save(update_fields=["status", "ended_by", "ended_at", "end_reason"])
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
        actor_label=actor_label,
        before=before,
        after=Status.ENDED,
        detail=reason,
    )
    return binding


@transaction.atomic
def family_binding_end(*, binding_id: int, by: InsuredPerson, reason: str = "") -> FamilyBinding:
    """Either side ends a binding (a pending one too: that declines or withdraws it)."""
    binding = _binding_locked(binding_id=binding_id)
    if binding is None or (
        by.pk not in (binding.requester_id, binding.member_id)
        and not (
            person_is_minor(person=binding.member)
            and _is_guardian(person=by, minor_id=binding.member_id)
        )
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
