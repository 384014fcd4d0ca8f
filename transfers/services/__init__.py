"""Writes of the transfers app (转移接续).

- apply: the conditions of SPEC §5, applying, withdrawing
- workflow: 转出 approval, 转入 acceptance, rejection (money through the ledger)
- _common: the one table of allowed transitions, timeline + audit + notice of each step
"""

from ._common import TRANSITIONS, NotFound, TransferRefused, applicant_notify
from .apply import transfer_apply, transfer_conditions, transfer_due_dates, transfer_withdraw
from .workflow import transfer_in_accept, transfer_out_approve, transfer_reject

__all__ = [
    "TRANSITIONS",
    "NotFound",
    "TransferRefused",
    "applicant_notify",
    "transfer_apply",
    "transfer_conditions",
    "transfer_due_dates",
    "transfer_in_accept",
    "transfer_out_approve",
    "transfer_reject",
    "transfer_withdraw",
]
