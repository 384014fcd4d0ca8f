"""One-time codes for wallet transfers (our stand-in for face recognition / the 医保码 password).

They go through the core's pluggable sender (`accounts.messaging`, `settings.MESSAGE_SENDER`),
whose default stores them in the outbox (`manage.py outbox`).
"""

from django.utils.translation import gettext as _

from accounts.messaging import (
    OutboxSender,
    code_digest,
    code_generate,
    code_matches,
    message_sender,
)
from accounts.models import InsuredPerson

__all__ = ["OutboxCodeSender", "code_digest", "code_generate", "code_matches", "transfer_code_send"]

# The old default's dotted path, which deployments may still name in WALLET_CODE_SENDER.
OutboxCodeSender = OutboxSender


def transfer_code_send(
    *, person: InsuredPerson, code: str, amount, recipient_name: str, ttl_minutes: int, reference
) -> None:
    body = _(
        "【医保钱包】验证码 %(code)s，用于向%(name)s转账 %(amount)s 元，%(minutes)d 分钟内有效。"
        "请勿告诉他人。"
    ) % {"code": code, "name": recipient_name, "amount": amount, "minutes": ttl_minutes}
    message_sender().send(person=person, phone=person.phone, body=body, reference=reference)
