"""付款码: the person's consent to one payment at one designated institution.

Our stand-in for the 医保码: the person generates it on the portal or the API and shows it at
the counter; the institution's settlement token sends it with the bill. It is bound to the
person, one institution and an amount ceiling, lives a few minutes and pays once.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation, Invalid, Refused
from accounts.models import DesignatedInstitution, InsuredPerson
from accounts.services.ledger import yuan_to_fen

from .. import selectors
from ..models import PaymentCode, Wallet
from .common import event_record, suspended_message

CODE_DIGITS = 18
CODE_TTL = dt.timedelta(minutes=5)


def payment_code_digest(code: str) -> str:
    """A keyed hash (no per-row salt, so a shown code can be looked up); never the code."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"payment-code:{code}".encode(), hashlib.sha256).hexdigest()


def payment_code_normalise(code: str | None) -> str:
    """The digits as shown (grouped by spaces or dashes); "" for anything else."""
    digits = "".join(str(code or "").split()).replace("-", "")
    if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return ""


@transaction.atomic
def payment_code_create(
    *, person: InsuredPerson, institution_code: str, max_amount
) -> tuple[PaymentCode, str]:
    """A new code for one institution and ceiling; returns the row and the code (shown once).

    The person's earlier unused codes stop working. Refused: no open wallet; the person
    suspended where the wallet is insured (`enrollment_suspended`); an institution
    that is unknown or outside the wallet's usage region; a ceiling not above zero.
    """
    max_amount_fen = yuan_to_fen(str(max_amount))
    if max_amount_fen <= 0:
        raise BusinessRuleViolation(_("限额必须大于0。"), field="max_amount", status_code=400)
    wallet = (
        Wallet.objects.select_related("usage_region", "insured_region")
        .filter(person=person, status=Wallet.Status.OPEN)
        .first()
    )
    if wallet is None:
        raise Invalid(_("医保钱包未开通，不能生成付款码。"))
    if selectors.suspended_in(person=person, region_id=wallet.insured_region_id):
        raise Refused(
            suspended_message(region_name=wallet.insured_region.name), rule="enrollment_suspended"
        )
    institution = DesignatedInstitution.objects.filter(code=str(institution_code).strip()).first()
    if institution is None:
        raise Invalid(_("未找到该定点医药机构。"), field="institution")
    if institution.region_id != wallet.usage_region_id:
        raise Invalid(
            _("%(name)s不在您的医保钱包使用地（%(usage)s），不能在此使用钱包支付。")
            % {"name": institution.name, "usage": wallet.usage_region.name},
            field="institution",
        )
    now = timezone.now()
    PaymentCode.objects.filter(person=person, used_at=None, expires_at__gt=now).update(
        expires_at=now
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = PaymentCode.objects.create(
        person=person,
        institution=institution,
        max_amount_fen=max_amount_fen,
        digest=payment_code_digest(code),
        expires_at=now + CODE_TTL,
    )
    event_record(
        action="payment_code_create",
        obj=row,
        actor=person,
        after={"max_amount": str(row.max_amount), "institution": institution.code},
    )
    return row, code
