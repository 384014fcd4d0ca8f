"""What every transfer step shares with the end of a family binding: a transfer loaded under
its lock, and ending it (cancelled, expired, returned) with its audit row.

Below both `transfers/` and `family.py`, so that ending a binding needs no transfer step.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Forbidden, NotFound, Refused
from accounts.models import InsuredPerson, LedgerAccount, Posting
from accounts.services.ledger import posting_create

from ..models import WalletTransfer
from .common import event_record

Status = WalletTransfer.Status
KIND_SEND = "WALLET_TRANSFER_SEND"
KIND_ACCEPT = "WALLET_TRANSFER_ACCEPT"
KIND_RETURN = "WALLET_TRANSFER_RETURN"
FINISHED = (Status.ACCEPTED, Status.RETURNED, Status.CANCELLED, Status.EXPIRED)


def transfer_locked(transfer_id: int, *related: str) -> WalletTransfer | None:
    """The transfer under its row lock, the first lock on every path; None when not there."""
    return (
        WalletTransfer.objects.select_for_update(of=("self",))
        .select_related("region__policy", "sender", "recipient", *related)
        .filter(pk=transfer_id)
        .first()
    )


def transfer_finish(
    transfer: WalletTransfer, *, status: str, reason: str, actor=None, label: str = ""
) -> None:
    """A locked transfer reaches a final state; `actor` is the person, `label` a system source."""
    before = transfer.status
    transfer.status, transfer.finished_at, transfer.finish_reason = (
        status,
        timezone.now(),
        reason[:200],
    )
    transfer.save(update_fields=["status", "finished_at", "finish_reason"])
    event_record(
        action=f"transfer_{status.lower()}",
        obj=transfer,
        actor=actor,
        actor_label=label,
        before={"status": before},
        after={"status": status},
        detail=reason,
    )


def visible_to_sender(transfer: WalletTransfer | None, person: InsuredPerson) -> WalletTransfer:
    """The transfer when the person sent it; refused (not found, or the other side's) else."""
    if transfer is None:
        raise NotFound(_("未找到该转账。"))
    if transfer.sender_id != person.pk:
        if transfer.recipient_id == person.pk and transfer.status not in (
            Status.AWAITING_CODE,
            Status.CANCELLED,
            Status.EXPIRED,
        ):
            raise Forbidden(_("只有转出人本人可以操作这笔转账。"))
        raise NotFound(_("未找到该转账。"))
    return transfer


def already_finished(transfer: WalletTransfer) -> Refused:
    return Refused(
        _("该转账已%(status)s，不能再操作。%(reason)s")
        % {"status": transfer.get_status_display(), "reason": transfer.finish_reason},
        rule="finished",
    )


def transfer_cancel_locked(transfer: WalletTransfer, *, reason: str, actor=None) -> None:
    """A locked transfer still waiting for its code is cancelled (by `actor`, or the system)."""
    transfer_finish(
        transfer,
        status=Status.CANCELLED,
        reason=reason,
        actor=actor,
        label="" if actor else "system",
    )


def transfer_return_locked(transfer: WalletTransfer, *, reason: str, label: str = "system") -> None:
    """Holding → the personal-account parts the money left from, posting for posting."""
    sent = Posting.objects.filter(
        idempotency_key__in=[
            f"wallet-transfer:{transfer.pk}:send:{kind}"
            for kind in (LedgerAccount.Kind.PERSON_CURRENT, LedgerAccount.Kind.PERSON_CARRIED)
        ]
    ).order_by("pk")
    for posting in sent:
        posting_create(
            from_account=LedgerAccount(pk=transfer.holding_id),
            to_account=LedgerAccount(pk=posting.from_account_id),
            amount_fen=posting.amount_fen,
            kind=KIND_RETURN,
            idempotency_key=f"{posting.idempotency_key}:return",
            reference=transfer.reference,
        )
    transfer_finish(transfer, status=Status.RETURNED, reason=reason, label=label)
