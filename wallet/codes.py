"""One-time codes (our stand-in for face recognition / the 医保码 password).

The sender is pluggable: `settings.WALLET_CODE_SENDER` is the dotted path of a class whose
instances have `send(*, person, phone, body, reference)`. The default stores the message in
the outbox (`manage.py outbox`) and logs it, so nothing leaves the machine.
"""

import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.models import InsuredPerson

from .models import OutboxMessage, mask_phone

logger = logging.getLogger("wallet.codes")

DEFAULT_SENDER = "wallet.codes.OutboxCodeSender"
CODE_DIGITS = 6


def code_generate() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(code: str, *, salt: str | None = None) -> str:
    """`salt$hmac`: the code itself is never stored with the transfer."""
    salt = salt or secrets.token_hex(8)
    mac = hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{code}".encode(), hashlib.sha256)
    return f"{salt}${mac.hexdigest()}"


def code_matches(code: str, digest: str) -> bool:
    salt, _sep, _mac = digest.partition("$")
    return hmac.compare_digest(code_digest(str(code).strip(), salt=salt), digest)


class OutboxCodeSender:
    """Stores the message in the outbox and logs it (development, tests, demo)."""

    def send(self, *, person: InsuredPerson, phone: str, body: str, reference: str) -> None:
        OutboxMessage.objects.create(person=person, phone=phone, body=body, reference=reference)
        logger.info("outbox → %s (%s): %s", person.masked_national_id, mask_phone(phone), body)


def code_sender():
    return import_string(getattr(settings, "WALLET_CODE_SENDER", DEFAULT_SENDER))()


def transfer_code_send(
    *, person: InsuredPerson, code: str, amount, recipient_name: str, ttl_minutes: int, reference
) -> None:
    body = _(
        "【医保钱包】验证码 %(code)s，用于向%(name)s转账 %(amount)s 元，%(minutes)d 分钟内有效。"
        "请勿告诉他人。"
    ) % {"code": code, "name": recipient_name, "amount": amount, "minutes": ttl_minutes}
    code_sender().send(person=person, phone=person.phone, body=body, reference=reference)
