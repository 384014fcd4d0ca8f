"""Wallet transfers: AWAITING_CODE → SENT → ACCEPTED / RETURNED, or CANCELLED / EXPIRED.

One module a step: `request` (the transfer and its code), `confirm` (the code sends the
money), `settle` (accept, return, cancel, expire); `checks` holds the rules, which only read.

Money moves only through the ledger: on SENT from the sender's personal account into the
sender's holding account (WALLET_HOLDING), on ACCEPTED from there into the recipient's wallet,
on RETURNED back to the personal-account parts it came from.

Locks are taken in one order on every path: the family binding (when it ends), the transfer,
the sender's daily-usage row (confirmation only), then ledger accounts in primary-key order
(inside the ledger service).
"""

from ..transfer_states import KIND_ACCEPT, KIND_RETURN, KIND_SEND
from .checks import quiet_hours
from .confirm import wallet_transfer_confirm
from .request import wallet_transfer_create
from .settle import (
    wallet_transfer_accept,
    wallet_transfer_cancel,
    wallet_transfer_return,
    wallet_transfers_expire_due,
    wallet_transfers_return_due,
)

__all__ = [
    "KIND_ACCEPT",
    "KIND_RETURN",
    "KIND_SEND",
    "quiet_hours",
    "wallet_transfer_accept",
    "wallet_transfer_cancel",
    "wallet_transfer_confirm",
    "wallet_transfer_create",
    "wallet_transfer_return",
    "wallet_transfers_expire_due",
    "wallet_transfers_return_due",
]
