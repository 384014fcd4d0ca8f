"""What refunds hears from the core's hooks (accounts/hooks.py); connected in RefundsConfig."""

from .services.premiums import resident_premium_record


def on_resident_premium_paid(sender, *, person, region, year, amount_fen, paid_at, **kwargs):
    """A wallet-paid premium is a premium on record, refundable like a reported one."""
    resident_premium_record(
        person=person, region=region, year=year, amount_fen=amount_fen, paid_at=paid_at
    )
