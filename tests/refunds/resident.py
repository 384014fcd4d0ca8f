"""Resident premiums, uploads and applications for the resident refund tests."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import InsuredPerson
from refunds.models import ResidentPremium, ResidentRefund
from refunds.services import resident
from tests.factories import InsuredPersonFactory, StaffUserFactory

XIAN, TAIYUAN = "610100", "140100"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# Wednesday 15 October 2025, 10:00 in Xi'an: inside the 2026 collection window.
IN_WINDOW = dt.datetime(2025, 10, 15, 2, tzinfo=dt.UTC)
STAFF_PERMISSIONS = [
    "refunds.view_residentrefund",
    "refunds.change_residentrefund",
    "refunds.view_residentrefunddocument",
    "refunds.view_residentrefundevent",
]


def upload(name: str = "receipt.pdf") -> SimpleUploadedFile:
    content, kind = (PNG, "image/png") if name.endswith(".png") else (PDF, "application/pdf")
    return SimpleUploadedFile(name, content, content_type=kind)


def documents(*kinds: str) -> dict:
    return {kind: upload(f"{kind}.pdf") for kind in kinds}


def person_with_login(**kwargs) -> InsuredPerson:
    return InsuredPersonFactory(with_user=True, **kwargs)


def premium(person: InsuredPerson, *, region=XIAN, year=2026, amount_fen=380_00):
    return ResidentPremium.objects.create(
        person=person,
        region_id=region,
        year=year,
        amount_fen=amount_fen,
        paid_at=timezone.make_aware(dt.datetime(year - 1, 9, 10)),
        source=ResidentPremium.Source.FEED,
    )


def apply(applicant, *, refund_type="PAYMENT_ERROR", region=XIAN, year=2026, docs=None, **kw):
    return resident.resident_refund_apply(
        applicant=applicant,
        refund_type=refund_type,
        region_code=region,
        year=year,
        bank_name="中国工商银行西安分行",
        bank_account=kw.pop("bank_account", "6222020202020202020"),
        documents=documents("payment_receipt") if docs is None else docs,
        **kw,
    )


def staff(region=XIAN):
    return StaffUserFactory(regions=[region], permissions=STAFF_PERMISSIONS)


def waiting_refund() -> ResidentRefund:
    """A person's own payment-error application, waiting for review (call inside the window)."""
    person = person_with_login()
    premium(person)
    return apply(person)


def application_form() -> dict:
    """What the portal form and the API receive for a payment-error application."""
    return {
        "type": "PAYMENT_ERROR",
        "region": XIAN,
        "year": 2026,
        "bank_name": "中国银行",
        "bank_account": "6217000000000000001",
        **documents("payment_receipt"),
    }
