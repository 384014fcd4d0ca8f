"""Notices to a person or an employer: recorded with the caller's work, sent after its commit,
shown on the portal until read. Every app tells people things through `notification_send`."""

from django.db import transaction
from django.utils import timezone

from accounts.messaging import notification_deliver
from accounts.models import Employer, InsuredPerson, Notification
from accounts.selectors import notification_owner_filter, notifications_for

Owner = InsuredPerson | Employer


def notification_send(
    *,
    recipient: Owner,
    kind: Notification.Kind,
    text: str,
    link: str = "",
    phone: str | None = None,
    reference: str = "",
) -> Notification:
    """Record a notice in the current transaction and send it by SMS after the commit
    (nothing is sent if the transaction rolls back). `phone` defaults to the phone on file;
    with none, the notice is only shown on the portal. `link` is a portal path. Refuses nothing.
    """
    if kind in Notification.SMS_ONLY:
        raise ValueError(f"{kind} is sent with message_send_on_commit, never recorded")
    if link and (not link.startswith("/") or link.startswith("//")):
        raise ValueError("link is a path in the portal")
    if phone is None:
        phone = recipient.phone if isinstance(recipient, InsuredPerson) else recipient.contact_phone
    notification = Notification.objects.create(
        **notification_owner_filter(owner=recipient),
        kind=kind,
        text=text,
        link=link,
        phone=phone,
        reference=reference,
    )
    if phone:
        # Robust: the work and the notice are committed; a gateway error is logged, not raised.
        transaction.on_commit(lambda: notification_deliver(notification), robust=True)
    return notification


def notification_mark_read(*, owner: Owner, notification_id: int) -> bool:
    """Mark one of the owner's notices read; answers whether it was unread (again is harmless).

    Refusal: Notification.DoesNotExist when it is not theirs (or not on the portal).
    """
    theirs = notifications_for(owner=owner).filter(pk=notification_id)
    if theirs.filter(read_at__isnull=True).update(read_at=timezone.now()):
        return True
    theirs.get()  # already read is fine; not theirs raises
    return False


def notifications_mark_all_read(*, owner: Owner) -> int:
    """Mark every unread notice of the owner read; answers how many. Refuses nothing."""
    return notifications_for(owner=owner, unread_only=True).update(read_at=timezone.now())
