"""A person ready to transfer: stopped and paid in 西安 (610100), enrolled anew in 太原 (140100)."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Contribution, PersonalAccount, Region
from accounts.services import ledger
from accounts.services.personal_accounts import personal_account_open
from enrollment.models import EnrollmentStatus, Scheme
from tests.factories import EnrollmentFactory, InsuredPersonFactory

XIAN, TAIYUAN, BEIJING = "610100", "140100", "110100"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def id_images() -> dict:
    return {
        "id_front": SimpleUploadedFile("front.png", PNG, content_type="image/png"),
        "id_back": SimpleUploadedFile("back.pdf", PDF, content_type="application/pdf"),
    }


def contribution(account, period: str, *, paid: bool = True) -> Contribution:
    return Contribution.objects.create(
        account=account,
        person=account.person,
        region=account.region,
        period=period,
        reported_base_fen=800_000,
        base_fen=800_000,
        employer_share_fen=64_000,
        individual_share_fen=16_000,
        credit_fen=16_000,
        paid_at=timezone.now() if paid else None,
    )


def fund(account, *, current_fen: int, carried_fen: int) -> None:
    region_fund = ledger.region_account(region=account.region)
    for part, amount in ((account.current, current_fen), (account.carried, carried_fen)):
        if amount:
            ledger.posting_create(
                from_account=region_fund,
                to_account=part,
                amount_fen=amount,
                kind="TEST_SEED",
                idempotency_key=f"seed:{part.pk}",
            )


def ready_person(
    *,
    with_user: bool = True,
    current_fen: int = 123_45,
    carried_fen: int = 5_000_00,
    periods=("202411", "202412", "202501", "202502"),
):
    """(person, old personal account): every SPEC §5 condition met for 610100 → 140100."""
    person = InsuredPersonFactory(with_user=with_user)
    xian = Region.objects.get(pk=XIAN)
    EnrollmentFactory(
        person=person,
        region=xian,
        status=EnrollmentStatus.STOPPED,
        registered_at=timezone.now() - dt.timedelta(days=900),
    )
    EnrollmentFactory(person=person, region=Region.objects.get(pk=TAIYUAN), scheme=Scheme.FLEXIBLE)
    account = personal_account_open(person=person, region=xian)
    fund(account, current_fen=current_fen, carried_fen=carried_fen)
    for period in periods:
        contribution(account, period)
    return person, account


def parts(account) -> tuple[int, int]:
    account = PersonalAccount.objects.select_related("current", "carried").get(pk=account.pk)
    return account.current.balance_fen, account.carried.balance_fen
