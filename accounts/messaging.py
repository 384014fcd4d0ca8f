"""Messages to the phone on file: one-time codes and notices, to persons and employers.

The sender is pluggable: `settings.MESSAGE_SENDER` (or its older name `WALLET_CODE_SENDER`)
is the dotted path of a class whose instances have
`send(*, phone, body, reference, person=None, employer=None)`; a message to a person passes
`person` only, so senders written for wallet codes keep working. The default stores the
message in the outbox (`manage.py outbox`) and logs it, so nothing leaves the machine.
Messages go out after the commit: nothing is sent for work that rolls back.

Notices are recorded first (`accounts.services.notifications.notification_send`) and handed
to the sender here; codes go straight to it (`message_send_on_commit`).
"""

import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .models import Employer, InsuredPerson, Notification

logger = logging.getLogger("accounts.messaging")

DEFAULT_SENDER = "accounts.messaging.OutboxSender"
CODE_DIGITS = 6

validate_mobile_phone = RegexValidator(r"^1[0-9]{10}$", _("请输入11位手机号码。"))


def mask_phone(phone: str) -> str:
    """138****0000: the first 3 and last 4 digits."""
    if not phone or len(phone) < 8:
        return phone or ""
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def code_generate() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(code: str, *, salt: str | None = None) -> str:
    """`salt$hmac`: a code itself is never stored."""
    salt = salt or secrets.token_hex(8)
    mac = hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{code}".encode(), hashlib.sha256)
    return f"{salt}${mac.hexdigest()}"


def code_matches(code: str, digest: str) -> bool:
    salt, _sep, _mac = digest.partition("$")
    return hmac.compare_digest(code_digest(str(code).strip(), salt=salt), digest)


class OutboxSender:
    """Stores the message in the outbox and logs it (development, tests, demo)."""

    def send(
        self,
        *,
        phone: str,
        body: str,
        reference: str,
        person: InsuredPerson | None = None,
        employer: Employer | None = None,
    ) -> None:
        Notification.objects.create(
            person=person,
            employer=employer,
            kind=Notification.Kind.CODE,
            phone=phone,
            text=body,
            reference=reference,
            in_outbox=True,
        )
        self._log(phone=phone, body=body, person=person, employer=employer)

    def store(self, notification: Notification) -> None:
        """A recorded notice joins the outbox itself, so it is not stored twice."""
        Notification.objects.filter(pk=notification.pk).update(in_outbox=True)
        self._log(
            phone=notification.phone,
            body=notification.text,
            person=notification.person,
            employer=notification.employer,
        )

    @staticmethod
    def _log(*, phone: str, body: str, person, employer) -> None:
        who = person.masked_national_id if person else employer.code
        logger.info("outbox → %s (%s): %s", who, mask_phone(phone), body)


def message_sender():
    # The older name wins when a settings module still sets it.
    path = getattr(settings, "WALLET_CODE_SENDER", None) or getattr(
        settings, "MESSAGE_SENDER", DEFAULT_SENDER
    )
    return import_string(path)()


def recipient(person: InsuredPerson | None, employer: Employer | None) -> dict:
    """The one owner of a message or a waiting code, as keyword arguments (person or employer)."""
    return {"person": person} if person is not None else {"employer": employer}


def message_send_on_commit(
    *,
    phone: str,
    body: str,
    reference: str,
    person: InsuredPerson | None = None,
    employer: Employer | None = None,
) -> None:
    """Send after the surrounding transaction commits (at once outside one); never on rollback."""
    owner = recipient(person, employer)

    def send() -> None:
        message_sender().send(phone=phone, body=body, reference=reference, **owner)

    transaction.on_commit(send)


def notification_deliver(notification: Notification) -> None:
    """Hand a recorded notice to the sender (call it after the commit)."""
    sender = message_sender()
    if isinstance(sender, OutboxSender):
        sender.store(notification)
        return
    sender.send(
        phone=notification.phone,
        body=notification.text,
        reference=notification.reference,
        **recipient(notification.person, notification.employer),
    )
