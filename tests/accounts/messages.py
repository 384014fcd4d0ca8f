"""Reading what the default sender put in the outbox."""

import re

from accounts.models import Notification


def last_message(*, person=None, employer=None) -> Notification | None:
    recipient = {"person": person} if person is not None else {"employer": employer}
    return Notification.objects.filter(**recipient, in_outbox=True).order_by("-pk").first()


def last_code(*, person=None, employer=None) -> str:
    message = last_message(person=person, employer=employer)
    assert message is not None, "no message in the outbox"
    return re.search(r"验证码 (\d{6})", message.text).group(1)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"
