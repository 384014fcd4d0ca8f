"""Celery tasks of the wallet: each calls one idempotent service."""

from celery import shared_task

from .services import family, transfers


@shared_task(name="wallet.return_unaccepted_transfers", acks_late=True)
def return_unaccepted_transfers() -> int:
    """06:00 (beat): transfers not accepted by their deadline go back to the sender."""
    return transfers.wallet_transfers_return_due()


@shared_task(name="wallet.expire_unconfirmed_transfers", acks_late=True)
def expire_unconfirmed_transfers() -> int:
    """Every few minutes (beat): transfers whose code was not confirmed in time expire."""
    return transfers.wallet_transfers_expire_due()


@shared_task(name="wallet.end_stale_family_bindings", acks_late=True)
def end_stale_family_bindings(person_ids: list[int] | None = None) -> int:
    """Bindings whose side stopped or moved region end: these persons' after a set-based
    enrollment change, everyone's nightly (beat) as a safety net."""
    return family.family_bindings_end_stale(person_ids=person_ids)
