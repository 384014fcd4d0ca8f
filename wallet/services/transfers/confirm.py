"""Confirming a transfer with its one-time code: the limits again under lock, then the money
leaves the sender's personal account into their holding account (SENT).

Locks in the order every path takes: the transfer, the sender's daily-usage row, then the
ledger accounts in primary-key order (inside the ledger service).
"""

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation, Invalid, Refused
from accounts.models import InsuredPerson, LedgerAccount, PersonalAccount, RegionPolicy
from accounts.services.ledger import (
    Move,
    ledger_accounts_lock,
    person_account_id,
    postings_create,
    yuan_to_fen,
)
from accounts.services.personal_accounts import spend_split

from ... import codes
from ...models import WalletDailyUsage, WalletTransfer
from .. import rows
from ..transfer_states import (
    FINISHED,
    KIND_SEND,
    Status,
    already_finished,
    transfer_finish,
    visible_to_sender,
)
from .checks import (
    check_amount,
    check_balance,
    check_code_failures_today,
    check_daily_amount,
    check_daily_count,
    check_hours,
    check_no_transfer_awaiting_acceptance,
    check_not_suspended,
    check_phone_not_just_changed,
    check_source,
    code_failures_used_up,
)


def accept_deadline_for(*, sent_at: dt.datetime, policy: RegionPolicy) -> dt.datetime:
    """06:00 (the policy's time) on the day after sending, Asia/Shanghai."""
    day = timezone.localdate(sent_at) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, policy.wallet_accept_deadline))


def wallet_transfer_confirm(
    *, transfer_id: int, sender: InsuredPerson, code: str
) -> WalletTransfer:
    """The sender's one-time code sends the money into holding (SENT).

    Wrong codes are counted (the count survives the refusal) on the transfer and on the sender's
    day; at the transfer's limit, or the day's (`code_attempts_daily`, over all the sender's
    transfers), the transfer is cancelled, and once the day's limit is reached no code is
    taken until the next day (Asia/Shanghai). Refused too while the sender's phone changed
    within the policy's hours (`phone_changed`). An expired code expires the transfer. The
    limits are checked again here under the transfer's and the sender's daily-usage locks, so
    parallel confirmations cannot pass them together. (Ending the binding cancels transfers
    still waiting for their code, under the same transfer lock, so a transfer found
    AWAITING_CODE here still has its binding.)
    """
    refusal: BusinessRuleViolation | None = None
    try:
        with transaction.atomic():
            now = timezone.now()
            row = rows.fetch(
                rows.TRANSFER_TO_CONFIRM,
                {"id": transfer_id, "day": timezone.localdate(now), **rows.SUSPENDED_PARAMS},
            )
            transfer = visible_to_sender(rows.transfer_from(row) if row else None, sender)
            policy = rows.policy(row, transfer.region_id)
            if transfer.status != Status.AWAITING_CODE:
                if transfer.status != Status.SENT and transfer.status in FINISHED:
                    raise already_finished(transfer)
                if codes.code_matches(code, transfer.code_digest):
                    return transfer  # a retried confirmation: already sent, nothing posts twice
                raise Refused(_("该转账已转出，不能再次确认。"))
            check_phone_not_just_changed(
                changed_at=rows.aware(row["sender_phone_changed_at"]), policy=policy, now=now
            )
            check_code_failures_today(failures=row["failures_today"] or 0, policy=policy)
            if now >= transfer.code_expires_at:
                transfer_finish(
                    transfer,
                    status=Status.EXPIRED,
                    reason=_("验证码超过 %(minutes)d 分钟未确认")
                    % {"minutes": policy.wallet_code_ttl_minutes},
                    actor=sender,
                )
                refusal = Refused(
                    _("验证码已过期（有效期 %(minutes)d 分钟），本次转账已失效，请重新发起。")
                    % {"minutes": policy.wallet_code_ttl_minutes},
                    field="code",
                    rule="code_expired",
                )
            elif not codes.code_matches(code, transfer.code_digest):
                refusal = _wrong_code(transfer, policy=policy, sender=sender, now=now)
            else:
                _send(transfer, row=row, policy=policy, now=now)
    except IntegrityError:
        # The database's own guard: another transfer of this sender became SENT first.
        raise Refused(
            _("您有一笔转账正等待对方接收，接收或退回后才能发起新的转账。"),
            rule="awaiting_acceptance",
        ) from None
    if refusal is not None:
        raise refusal
    return transfer


def _wrong_code(
    transfer: WalletTransfer, *, policy: RegionPolicy, sender, now
) -> BusinessRuleViolation:
    """Count a wrong code on the sender's day (atomic, under the usage row's lock) and on the
    transfer; cancel the transfer at either limit."""
    with connection.cursor() as cursor:
        cursor.execute(
            rows.CODE_FAILURE_COUNT,
            [
                transfer.sender_id,
                timezone.localdate(now),
                policy.wallet_max_transfers_per_day,
                policy.wallet_codes_per_day,
                policy.wallet_code_failures_per_day,
            ],
        )
        counted = cursor.fetchone()
    day_left = 0 if counted is None else policy.wallet_code_failures_per_day - counted[0]
    if day_left <= 0:
        # The day's last wrong code (this one, or a parallel one while this request waited).
        transfer_finish(
            transfer,
            status=Status.CANCELLED,
            reason=_("今日验证码错误次数达到 %(limit)d 次")
            % {"limit": policy.wallet_code_failures_per_day},
            actor=sender,
        )
        return code_failures_used_up(policy=policy)
    transfer.code_failures += 1
    transfer.save(update_fields=["code_failures"])
    limit = policy.wallet_code_attempts
    left = max(limit - transfer.code_failures, 0)
    if day_left < left:
        return BusinessRuleViolation(
            _("验证码错误，今日还可以再试 %(left)d 次（每人每日共 %(limit)d 次）。")
            % {"left": day_left, "limit": policy.wallet_code_failures_per_day},
            field="code",
            status_code=400,
        )
    if left == 0:
        transfer_finish(
            transfer,
            status=Status.CANCELLED,
            reason=_("验证码错误次数达到 %(limit)d 次") % {"limit": limit},
            actor=sender,
        )
        return Refused(
            _("验证码错误已达 %(limit)d 次，本次转账已取消，请重新发起。") % {"limit": limit},
            field="code",
            rule="code_attempts",
        )
    return BusinessRuleViolation(
        _("验证码错误，还可以再试 %(left)d 次（共 %(limit)d 次）。")
        % {"left": left, "limit": limit},
        field="code",
        status_code=400,
    )


def _send(transfer: WalletTransfer, *, row: dict, policy: RegionPolicy, now) -> None:
    """The limits again under lock, then the sender's account → the sender's holding account.

    Locks after the transfer's: the sender's daily-usage row (counted in the same statement),
    then the ledger accounts in primary-key order.
    """
    check_hours(policy=policy, at=now)
    check_amount(amount=transfer.amount, policy=policy)
    check_daily_count(used=row["used_today"] or 0, policy=policy)
    check_daily_amount(
        used_fen=row["amount_today"] or 0, amount_fen=transfer.amount_fen, policy=policy
    )
    if row["waiting_id"] is not None:
        check_no_transfer_awaiting_acceptance(sender_id=transfer.sender_id)
    if not row["region_enabled"]:
        raise Invalid(
            _("您的参保地%(region)s尚未开通医保钱包转账功能。") % {"region": row["region_name"]},
            rule="region_disabled",
        )
    check_source(source=PersonalAccount(pk=transfer.source_id, status=row["source_status"]))
    check_not_suspended(suspended=bool(row["sender_suspended"]), region_name=row["region_name"])
    day = timezone.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute(
            rows.USAGE_COUNT,
            [
                transfer.sender_id,
                day,
                policy.wallet_max_transfers_per_day,
                transfer.amount_fen,
                yuan_to_fen(policy.wallet_max_daily_amount),
                policy.wallet_code_failures_per_day,
            ],
        )
        if cursor.fetchone() is None:  # the day's last transfer, money or wrong code came meanwhile
            usage = WalletDailyUsage.objects.get(sender_id=transfer.sender_id, day=day)
            check_daily_count(used=usage.transfers, policy=policy)
            check_daily_amount(
                used_fen=usage.amount_fen, amount_fen=transfer.amount_fen, policy=policy
            )
            check_code_failures_today(failures=usage.code_failures, policy=policy)
    holding_id = row["holding_account_id"] or person_account_id(
        person_id=transfer.sender_id, kind=LedgerAccount.Kind.WALLET_HOLDING
    )
    transfer.status, transfer.sent_at, transfer.holding_id = Status.SENT, now, holding_id
    transfer.accept_deadline = accept_deadline_for(sent_at=now, policy=policy)
    # The partial unique index (one SENT per sender) guards this row as well.
    rows.changed_with_event(
        rows.TRANSFER_SENT,
        [rows.at(now), rows.at(transfer.accept_deadline), holding_id, transfer.pk],
        action="transfer_sent",
        actor_id=transfer.sender_id,
        now=now,
        before=Status.AWAITING_CODE,
        after=Status.SENT,
    )
    locked = ledger_accounts_lock([row["current_id"], row["carried_id"], holding_id])
    current, carried = locked[row["current_id"]], locked[row["carried_id"]]
    check_balance(
        available_fen=current.balance_fen + carried.balance_fen, amount_fen=transfer.amount_fen
    )
    split = spend_split(
        current=current,
        carried=carried,
        amount_fen=transfer.amount_fen,
        current_year_first=policy.spend_current_year_first,
    )
    moves = [
        Move(
            part.pk,
            holding_id,
            take,
            KIND_SEND,
            f"wallet-transfer:{transfer.pk}:send:{part.kind}",
            reference=transfer.reference,
        )
        for part, take in split
    ]
    postings_create(moves=moves, locked=locked)
