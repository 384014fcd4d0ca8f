"""Demo 医保钱包: 王建军's family in Xi'an, made through the wallet services.

王建军 and his wife 李秀英 are bound and both have wallets; staff approved him as guardian of
their daughter 王子涵, whose wallet he opened; their son 王浩宇's guardian binding waits for
staff; his father 王德福 asked to bind and waits for 王建军 to confirm; 李秀英 sent him money
that waits to be accepted, after he had sent her some she accepted.
"""

import contextlib
import datetime as dt
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import InsuredPerson, Region, RegionPolicy, User
from wallet import codes
from wallet.models import FamilyBinding, Relation, Wallet, WalletTransfer
from wallet.services import family, wallets
from wallet.services.transfers import (
    wallet_transfer_accept,
    wallet_transfer_confirm,
    wallet_transfer_create,
)

from .guide import DemoLogin

REGION = "610100"
# Indexes into demo.services.DEMO_PERSONS.
HUSBAND, WIFE, FATHER, DAUGHTER, SON = 0, 1, 10, 19, 20
# Stands in for the code the sender would read on the phone.
DEMO_CODE = "246810"
_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Status = FamilyBinding.Status


def demo_family_seed(*, person_at: Callable[[int], InsuredPerson]) -> list[DemoLogin]:
    """Creates what is missing; returns the guide lines of the family's logins.
    `person_at(index)` is the demo person DEMO_PERSONS[index]."""
    husband, wife, father, daughter, son = map(person_at, (HUSBAND, WIFE, FATHER, DAUGHTER, SON))
    staff = User.objects.get(username="staff_xian")
    for person in (husband, wife):
        _wallet(person)
    _bound(husband, wife, Relation.SPOUSE, confirm=True)
    daughter_binding = _bound(husband, daughter, Relation.CHILD, evidence=True)
    if daughter_binding.status == Status.PENDING:
        family.guardian_review_approve(review_id=daughter_binding.guardian_review.pk, by=staff)
    _wallet(daughter, by=husband)
    _bound(husband, son, Relation.CHILD, evidence=True)  # waits for staff
    _bound(father, husband, Relation.CHILD)  # waits for 王建军
    with _transfers_any_hour():
        if not WalletTransfer.objects.filter(sender=husband, recipient=wife).exists():
            transfer = _sent(husband, wife, "300.00")
            wallet_transfer_accept(transfer_id=transfer.pk, recipient=wife)
        if not WalletTransfer.objects.filter(
            sender=wife, recipient=husband, status=WalletTransfer.Status.SENT
        ).exists():
            _sent(wife, husband, "200.00")
    return [
        DemoLogin(
            husband.national_id,
            "",
            husband.name,
            "首页待办：确认父亲王德福的绑定申请、在截止时间前接收妻子转来的 200 元；"
            "医保钱包里有女儿王子涵的钱包，儿子王浩宇的监护关系待经办审核",
        ),
        DemoLogin(wife.national_id, "", wife.name, "医保钱包：已接收丈夫转来的 300 元"),
        DemoLogin(father.national_id, "", father.name, "医保钱包：等儿子王建军确认绑定"),
        DemoLogin("staff_xian", "", "", "审核王浩宇的监护关系材料（医保钱包 › 监护关系审核）"),
    ]


def _wallet(person: InsuredPerson, *, by: InsuredPerson | None = None) -> None:
    if not Wallet.objects.filter(person=person).exists():
        region = Region.objects.get(pk=REGION)
        if by is None:
            wallets.wallet_open(by=person, usage_region=region)
        else:
            wallets.wallet_open(by=by, usage_region=region, for_person=person)


def _bound(
    requester: InsuredPerson,
    member: InsuredPerson,
    relation: str,
    *,
    confirm: bool = False,
    evidence: bool = False,
) -> FamilyBinding:
    """The live binding between the two, asked for (and confirmed) if there is none."""
    binding = (
        FamilyBinding.objects.filter(status__in=FamilyBinding.ACTIVE_STATUSES)
        .filter(Q(requester=requester, member=member) | Q(requester=member, member=requester))
        .select_related("guardian_review")
        .first()
    )
    if binding is not None:
        return binding
    binding = family.family_binding_request(
        requester=requester,
        national_id=member.national_id,
        name=member.name,
        relation=relation,
        evidence=(
            SimpleUploadedFile("户口簿.png", _PNG, content_type="image/png") if evidence else None
        ),
    )
    if confirm:
        binding = family.family_binding_confirm(binding_id=binding.pk, by=member)
    return FamilyBinding.objects.select_related("guardian_review").get(pk=binding.pk)


def _sent(sender: InsuredPerson, recipient: InsuredPerson, amount: str) -> WalletTransfer:
    """A transfer the sender confirmed with the code: the money waits for the recipient."""
    key = f"demo:{sender.pk}:{recipient.pk}:{timezone.localdate():%Y%m%d}"
    transfer = wallet_transfer_create(
        sender=sender, to_national_id=recipient.national_id, amount=amount, idempotency_key=key
    )
    WalletTransfer.objects.filter(pk=transfer.pk).update(code_digest=codes.code_digest(DEMO_CODE))
    return wallet_transfer_confirm(transfer_id=transfer.pk, sender=sender, code=DEMO_CODE)


@contextlib.contextmanager
def _transfers_any_hour():
    """Seeding at night: the region's quiet hours (暂停转账) are lifted inside the seeding
    transaction only, and put back before anyone else can see them (an update, so the
    policy's audit trail records no change that never showed)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the demo lifts quiet hours only inside its transaction")
    policies = RegionPolicy.objects.filter(region_id=REGION)
    quiet = policies.values("wallet_quiet_start", "wallet_quiet_end").first()
    policies.update(wallet_quiet_start=dt.time(0, 0), wallet_quiet_end=dt.time(0, 0))
    try:
        yield
    finally:
        if quiet is not None:
            policies.update(**quiet)
