"""One-time codes to the phone on file, for business that waits for them (PendingVerification).

A code lives 10 minutes and takes 5 wrong tries; an owner gets at most 5 codes for one purpose
in a day (further requests send nothing), so a code cannot be guessed by asking again and again.
"""

import datetime as dt

from django.utils import timezone

from accounts.messaging import code_digest, code_generate, code_matches, recipient
from accounts.models import Employer, InsuredPerson, PendingVerification

CODE_TTL = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_CODES_PER_DAY = 5
_DAY = dt.timedelta(days=1)

Purpose = PendingVerification.Purpose


def pending_verification_locked(
    *, purpose: str, person: InsuredPerson | None = None, employer: Employer | None = None
) -> PendingVerification | None:
    """The owner's waiting request for `purpose`, row-locked (call inside a transaction)."""
    return (
        PendingVerification.objects.select_for_update()
        .filter(purpose=purpose, **recipient(person, employer))
        .first()
    )


def verification_code_issue(
    *,
    purpose: str,
    person: InsuredPerson | None = None,
    employer: Employer | None = None,
    password: str = "",
    new_phone: str = "",
    client_key: str = "",
) -> str | None:
    """Store (or replace) the owner's request with a new code and return the code to send;
    None, with nothing changed, once the owner has had today's codes. Call inside a transaction.
    """
    now = timezone.now()
    pending = pending_verification_locked(purpose=purpose, person=person, employer=employer)
    if pending is None:
        pending = PendingVerification(
            purpose=purpose, **recipient(person, employer), window_started_at=now
        )
    elif now - pending.window_started_at >= _DAY:
        pending.window_started_at, pending.codes_sent = now, 0
    if pending.codes_sent >= MAX_CODES_PER_DAY:
        return None
    code = code_generate()
    pending.contested = bool(pending.pk and pending.code_digest and pending.expires_at > now)
    pending.code_digest = code_digest(code)
    pending.expires_at, pending.created_at = now + CODE_TTL, now
    pending.attempts = 0
    pending.codes_sent += 1
    pending.password, pending.new_phone, pending.client_key = password, new_phone, client_key
    pending.save()
    return code


def verification_code_accept(
    *, pending: PendingVerification | None, code: str, client_key: str = ""
) -> bool:
    """True when `code` is the live code of `pending` (locked), asked for by the same client
    (`client_key`); a wrong code or client counts a try.

    The code is spent on success, so the caller completes the business or rolls back.
    """
    if pending is None or not pending.code_digest:
        return False
    if pending.expires_at <= timezone.now() or pending.attempts >= MAX_ATTEMPTS:
        return False
    if not code_matches(code, pending.code_digest) or client_key != pending.client_key:
        pending.attempts += 1
        pending.save(update_fields=["attempts"])
        return False
    pending.code_digest = ""
    pending.save(update_fields=["code_digest"])
    return True
