"""Settling a transfer: the recipient accepts it (ACCEPTED), or it goes back to the sender
(RETURNED, the 06:00 job); before it is sent the sender cancels it or its code expires.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Forbidden, NotFound, Refused
from accounts.models import InsuredPerson, LedgerAccount
from accounts.services.ledger import posting_create

from ...models import WalletTransfer
from .. import rows
from ..transfer_states import (
    KIND_ACCEPT,
    Status,
    already_finished,
    transfer_cancel_locked,
    transfer_finish,
    transfer_locked,
    transfer_return_locked,
    visible_to_sender,
)


@transaction.atomic
def wallet_transfer_cancel(*, transfer_id: int, sender: InsuredPerson) -> WalletTransfer:
    """The sender withdraws a transfer that is still waiting for its code."""
    transfer = visible_to_sender(transfer_locked(transfer_id), sender)
    if transfer.status == Status.CANCELLED:
        return transfer
    if transfer.status != Status.AWAITING_CODE:
        raise Refused(
            _("该转账%(status)s，只能取消尚未验证的转账。")
            % {"status": transfer.get_status_display()}
        )
    transfer_cancel_locked(transfer, reason=_("转出人取消"), actor=sender)
    return transfer


def wallet_transfer_accept(*, transfer_id: int, recipient: InsuredPerson) -> WalletTransfer:
    """The recipient takes the money into their wallet before the deadline (ACCEPTED).

    One guarded UPDATE locks the transfer (first, as on every path) and changes its state;
    only when it finds nothing to accept does a second look say why.
    """
    now = timezone.now()
    with transaction.atomic():
        row = rows.changed_with_event(
            rows.TRANSFER_ACCEPTED,
            [rows.at(now), transfer_id, recipient.pk, rows.at(now)],
            action="transfer_accepted",
            actor_id=recipient.pk,
            now=now,
            before=Status.SENT,
            after=Status.ACCEPTED,
        )
        if row is None:
            return _not_accepted(transfer_id=transfer_id, recipient=recipient, now=now)
        transfer = rows.transfer_from(row)
        posting_create(
            from_account=LedgerAccount(pk=transfer.holding_id),
            to_account=LedgerAccount(pk=row["wallet_account_id"]),
            amount_fen=transfer.amount_fen,
            kind=KIND_ACCEPT,
            idempotency_key=f"wallet-transfer:{transfer.pk}:accept",
            reference=transfer.reference,
        )
    return transfer


def _not_accepted(*, transfer_id: int, recipient: InsuredPerson, now) -> WalletTransfer:
    """Why a transfer could not be accepted; an accepted one is answered again (idempotent)."""
    transfer = transfer_locked(transfer_id, "recipient__wallet")
    if (
        transfer is None
        or transfer.recipient_id != recipient.pk
        or transfer.status in (Status.AWAITING_CODE, Status.CANCELLED, Status.EXPIRED)
    ):
        if transfer is not None and transfer.sender_id == recipient.pk:
            raise Forbidden(_("只有接收人本人可以接收这笔转账。"))
        raise NotFound(_("未找到该转账。"))
    if transfer.status == Status.ACCEPTED:
        return transfer
    if transfer.status != Status.SENT:
        raise already_finished(transfer)
    if now >= transfer.accept_deadline:
        raise Refused(
            _("已超过接收期限（%(deadline)s），款项将退回转出人。")
            % {"deadline": timezone.localtime(transfer.accept_deadline).strftime("%Y-%m-%d %H:%M")}
        )
    # Otherwise the wallet: closed, or never opened.
    raise Refused(_("您的医保钱包未开通或已关闭，不能接收。"), rule="wallet_not_open")


def wallet_transfer_return(*, transfer_id: int, reason: str = "") -> bool:
    """Return one unaccepted transfer to its sender; False when it is no longer SENT."""
    with transaction.atomic():
        transfer = transfer_locked(transfer_id)
        if transfer is None or transfer.status != Status.SENT:
            return False
        transfer_return_locked(transfer, reason=reason or _("超过接收期限未接收，自动退回"))
        return True


def wallet_transfers_return_due(*, now: dt.datetime | None = None) -> int:
    """The scheduled job: every SENT transfer past its deadline (06:00 next day) goes back."""
    now = now or timezone.now()
    due = WalletTransfer.objects.filter(status=Status.SENT, accept_deadline__lte=now).order_by("pk")
    return sum(wallet_transfer_return(transfer_id=pk) for pk in due.values_list("pk", flat=True))


def wallet_transfers_expire_due(*, now: dt.datetime | None = None) -> int:
    """The scheduled job: transfers whose code was never confirmed in time expire."""
    now = now or timezone.now()
    ids = list(
        WalletTransfer.objects.filter(
            status=Status.AWAITING_CODE, code_expires_at__lte=now
        ).values_list("pk", flat=True)
    )
    expired = 0
    for pk in ids:
        with transaction.atomic():
            transfer = transfer_locked(pk)
            if transfer is not None and transfer.status == Status.AWAITING_CODE:
                transfer_finish(
                    transfer,
                    status=Status.EXPIRED,
                    reason=_("验证码超时未确认"),
                    label="system",
                )
                expired += 1
    return expired
