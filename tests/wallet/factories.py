"""Wallet test data: insured families with funded personal accounts, wallets and bindings."""

import datetime as dt
import itertools
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import InsuredPerson, LedgerAccount, Notification, PersonalAccount, Region
from accounts.services import ledger
from accounts.services.personal_accounts import personal_account_open
from enrollment.models import Scheme
from tests.factories import (
    EnrollmentFactory,
    InsuredPersonFactory,
    StaffUserFactory,
    make_national_id,
)
from wallet.models import FamilyBinding, Relation, Wallet
from wallet.services import family, wallets

WALLET_REGION = "140100"  # 太原市, where the Shanxi wallet runs
OTHER_REGION = "140200"  # 大同市

_ids = itertools.count(70_000)


def region(code: str = WALLET_REGION) -> Region:
    return Region.objects.get(pk=code)


def insured_person(
    *,
    region_code: str = WALLET_REGION,
    scheme: str = Scheme.EMPLOYEE,
    birth: dt.date | None = None,
    with_user: bool = True,
    name: str | None = None,
) -> InsuredPerson:
    """A person with an active enrollment (参保登记) in the region."""
    n = next(_ids)
    extra = {"name": name} if name else {}
    person = InsuredPersonFactory(
        national_id=make_national_id(
            n, birth=birth or dt.date(1980, 1, 1) + dt.timedelta(n % 3000)
        ),
        with_user=with_user,
        **extra,
    )
    EnrollmentFactory(person=person, region=region(region_code), scheme=scheme)
    return person


def fund(person: InsuredPerson, fen: int, *, region_code: str = WALLET_REGION) -> PersonalAccount:
    """Credit the person's personal account (current year) from the region fund."""
    account = personal_account_open(person=person, region=region(region_code))
    ledger.posting_create(
        from_account=ledger.region_account(region=region(region_code)),
        to_account=account.current,
        amount_fen=fen,
        kind="CREDIT",
        idempotency_key=f"test-fund:{account.pk}:{next(_ids)}",
    )
    return account


def open_wallet(person: InsuredPerson, *, usage: str = WALLET_REGION) -> Wallet:
    return wallets.wallet_open(by=person, usage_region=region(usage))


def bind(
    requester: InsuredPerson, member: InsuredPerson, relation: str = Relation.SPOUSE
) -> FamilyBinding:
    binding = family.family_binding_request(
        requester=requester,
        national_id=member.national_id,
        name=member.name,
        relation=relation,
    )
    return family.family_binding_confirm(binding_id=binding.pk, by=member)


def family_pair(*, balance_fen: int = 1_000_000, recipient_scheme: str = Scheme.RESIDENT):
    """A funded employee sender and a family member, both wallets open, binding confirmed."""
    sender = insured_person()
    recipient = insured_person(scheme=recipient_scheme)
    if balance_fen:
        fund(sender, balance_fen)
    open_wallet(sender)
    open_wallet(recipient)
    binding = bind(sender, recipient)
    return sender, recipient, binding


def last_code(person: InsuredPerson) -> str:
    """The one-time code the default sender put in the outbox for this person."""
    message = Notification.objects.filter(person=person).order_by("-pk").first()
    assert message is not None, "no code in the outbox"
    return re.search(r"验证码 (\d{6})", message.text).group(1)


def client_for(person: InsuredPerson) -> APIClient:
    client = APIClient()
    client.force_authenticate(person.user)
    return client


def balance(account: LedgerAccount | PersonalAccount) -> int:
    if isinstance(account, PersonalAccount):
        account.current.refresh_from_db()
        account.carried.refresh_from_db()
        return account.current.balance_fen + account.carried.balance_fen
    account.refresh_from_db()
    return account.balance_fen


def wallet_fen(person: InsuredPerson) -> int:
    return Wallet.objects.select_related("account").get(person=person).account.balance_fen


# --- minors and guardians ---

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
REVIEW_PERMISSIONS = ["wallet.view_guardianreview", "wallet.change_guardianreview"]


def evidence(name="户口簿.pdf", content=PDF):
    return SimpleUploadedFile(name, content, "application/pdf")


def child(**kwargs):
    """A ten-year-old insured in Taiyuan (resident insurance), without a login."""
    return insured_person(
        scheme=Scheme.RESIDENT, birth=dt.date(2015, 6, 1), with_user=False, **kwargs
    )


def ask(requester, member, relation=Relation.CHILD, **kwargs):
    return family.family_binding_request(
        requester=requester,
        national_id=member.national_id,
        name=member.name,
        relation=relation,
        **kwargs,
    )


def taiyuan_staff():
    return StaffUserFactory(regions=[WALLET_REGION], permissions=REVIEW_PERMISSIONS)


def guardian_of(minor):
    """A parent whose first binding to the minor staff approved on evidence."""
    parent = insured_person()
    binding = ask(parent, minor, evidence=evidence())
    family.guardian_review_approve(review_id=binding.guardian_review.pk, by=taiyuan_staff())
    return parent
