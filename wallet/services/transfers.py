"""Wallet transfers: AWAITING_CODE → SENT → ACCEPTED / RETURNED, or CANCELLED / EXPIRED.

Money moves only through the ledger: on SENT from the sender's personal account into the
sender's holding account (WALLET_HOLDING), on ACCEPTED from there into the recipient's wallet,
on RETURNED back to the personal-account parts it came from.

Locks are taken in one order on every path: the family binding (when it ends), the transfer,
the sender's daily-usage row (confirmation only), then ledger accounts in primary-key order
(inside the ledger service).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import (
    InsuredPerson,
    LedgerAccount,
    PersonalAccount,
    Posting,
    RegionPolicy,
    fen_to_yuan,
)
from accounts.services.ledger import (
    InsufficientBalance,
    person_account,
    posting_create,
    yuan_to_fen,
)
from accounts.services.personal_accounts import personal_account_spend

from .. import codes, selectors
from ..models import FamilyBinding, Wallet, WalletDailyUsage, WalletTransfer
from .common import Forbidden, Invalid, NotFound, Refused, event_record
from .family import family_binding_is_current, family_bindings_end_stale

Status = WalletTransfer.Status
KIND_SEND = "WALLET_TRANSFER_SEND"
KIND_ACCEPT = "WALLET_TRANSFER_ACCEPT"
KIND_RETURN = "WALLET_TRANSFER_RETURN"
FINISHED = (Status.ACCEPTED, Status.RETURNED, Status.CANCELLED, Status.EXPIRED)


def _hm(value: dt.time) -> str:
    return value.strftime("%H:%M")


# --- the rules: each refusal says which rule and what is left --------------------------------


def check_amount(*, amount, policy: RegionPolicy) -> int:
    """Amount > 0 with at most two decimals, at most the region's per-transfer limit."""
    if isinstance(amount, float):
        amount = str(amount)
    amount_fen = yuan_to_fen(amount)
    if amount_fen <= 0:
        raise BusinessRuleViolation(_("转账金额必须大于0。"), field="amount", status_code=400)
    limit = policy.wallet_max_transfer_amount
    if amount_fen > yuan_to_fen(limit):
        raise Invalid(
            _("单笔转账不能超过 %(limit)s 元（本次 %(amount)s 元）。")
            % {"limit": limit, "amount": fen_to_yuan(amount_fen)},
            field="amount",
            rule="amount_limit",
        )
    return amount_fen


def quiet_hours(*, policy: RegionPolicy, at: dt.datetime) -> bool:
    start, end = policy.wallet_quiet_start, policy.wallet_quiet_end
    if start == end:
        return False
    now = timezone.localtime(at).time()
    return start <= now < end if start < end else (now >= start or now < end)


def check_hours(*, policy: RegionPolicy, at: dt.datetime) -> None:
    if quiet_hours(policy=policy, at=at):
        start, end = policy.wallet_quiet_start, policy.wallet_quiet_end
        raise Refused(
            _("每日 %(start)s 至%(next)s %(end)s 暂停转账，请在 %(end)s 以后再试（现在 %(now)s）。")
            % {
                "start": _hm(start),
                "end": _hm(end),
                "next": _("次日") if start > end else "",
                "now": timezone.localtime(at).strftime("%H:%M"),
            },
            rule="quiet_hours",
        )


def check_daily_count(*, used: int, policy: RegionPolicy) -> None:
    limit = policy.wallet_max_transfers_per_day
    if used >= limit:
        raise Refused(
            _("每日最多转账 %(limit)d 次，今日已转 %(used)d 次，剩余 0 次，请明天再试。")
            % {"limit": limit, "used": used},
            rule="daily_limit",
        )


def check_no_transfer_awaiting_acceptance(*, sender_id: int) -> None:
    waiting = (
        WalletTransfer.objects.filter(sender_id=sender_id, status=Status.SENT)
        .only("pk", "amount_fen", "accept_deadline")
        .first()
    )
    if waiting is not None:
        raise Refused(
            _(
                "您有一笔转账（编号 %(id)s，%(amount)s 元）正等待对方接收，接收或退回后才能发起新的"
                "转账；未接收的将于 %(deadline)s 退回。"
            )
            % {
                "id": waiting.pk,
                "amount": waiting.amount,
                "deadline": timezone.localtime(waiting.accept_deadline).strftime("%Y-%m-%d %H:%M"),
            },
            rule="awaiting_acceptance",
        )


def check_wallets(*, sender_wallet: Wallet | None, recipient_wallet: Wallet | None) -> None:
    if sender_wallet is None or sender_wallet.status != Wallet.Status.OPEN:
        raise Invalid(_("您尚未开通医保钱包，请先开通。"), rule="wallet_not_open")
    if recipient_wallet is None or recipient_wallet.status != Wallet.Status.OPEN:
        raise Invalid(
            _("对方尚未开通医保钱包，请对方开通或为其代开通后再转账。"),
            field="to_national_id",
            rule="wallet_not_open",
        )
    for wallet, whose in ((sender_wallet, _("您的")), (recipient_wallet, _("对方的"))):
        if not wallet.insured_region.wallet_enabled:
            raise Invalid(
                _("%(whose)s参保地%(region)s尚未开通医保钱包转账功能。")
                % {"whose": whose, "region": wallet.insured_region.name},
                field=None if wallet is sender_wallet else "to_national_id",
                rule="region_disabled",
            )


def check_binding(*, binding: FamilyBinding | None) -> None:
    if binding is None or binding.status != FamilyBinding.Status.CONFIRMED:
        raise Invalid(
            _("只能向已确认绑定的近亲属（家庭成员）转账。"),
            field="to_national_id",
            rule="not_family",
        )


def check_source(*, source: PersonalAccount | None) -> None:
    if source is None:
        raise Invalid(_("您没有职工医保个人账户，不能转出。"), rule="no_personal_account")
    if source.status != PersonalAccount.Status.ACTIVE:
        raise Invalid(
            _("个人账户处于“%(status)s”状态，不能转出。") % {"status": source.get_status_display()},
            rule="account_not_active",
        )


def check_balance(*, available_fen: int, amount_fen: int) -> None:
    if available_fen < amount_fen:
        raise Refused(
            _("个人账户可用余额 %(available)s 元，不足本次转账的 %(amount)s 元。")
            % {"available": fen_to_yuan(available_fen), "amount": fen_to_yuan(amount_fen)},
            field="amount",
            rule="balance",
        )


# --- loading --------------------------------------------------------------------------------


def _source_account(*, person_id: int, region_code: str) -> PersonalAccount | None:
    """The personal account transfers leave from: in the sender's 参保地, oldest not closed."""
    return (
        PersonalAccount.objects.filter(person_id=person_id, region_id=region_code)
        .exclude(status=PersonalAccount.Status.CLOSED)
        .select_related("current", "carried")
        .order_by("pk")
        .first()
    )


def _sender_wallet(person_id: int) -> Wallet | None:
    return (
        Wallet.objects.select_related("insured_region__policy").filter(person_id=person_id).first()
    )


def accept_deadline_for(*, sent_at: dt.datetime, policy: RegionPolicy) -> dt.datetime:
    """06:00 (the policy's time) on the day after sending, Asia/Shanghai."""
    day = timezone.localtime(sent_at).date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, policy.wallet_accept_deadline))


# --- create ---------------------------------------------------------------------------------


@dataclass
class _Request:
    recipient: InsuredPerson
    amount_fen: int


def _same_request_or_conflict(existing: WalletTransfer, request: _Request) -> WalletTransfer:
    if (existing.recipient_id, existing.amount_fen) != (request.recipient.pk, request.amount_fen):
        raise Refused(_("该幂等键（Idempotency-Key）已用于另一笔不同的转账。"))
    return existing


def _fen_or_none(amount) -> int | None:
    try:
        return yuan_to_fen(str(amount))
    except BusinessRuleViolation:
        return None


def _check_new_transfer(*, sender: InsuredPerson, recipient: InsuredPerson, amount):
    """Every rule for a new transfer; the same checks run again under lock at confirmation."""
    sender_wallet = _sender_wallet(sender.pk)
    check_wallets(sender_wallet=sender_wallet, recipient_wallet=getattr(recipient, "wallet", None))
    policy = selectors.region_policy(region=sender_wallet.insured_region)
    amount_fen = check_amount(amount=amount, policy=policy)
    binding = selectors.confirmed_binding_between(person=sender, other_id=recipient.pk)
    check_binding(binding=binding)
    if not family_binding_is_current(binding=binding):
        family_bindings_end_stale(person_ids=[sender.pk, recipient.pk])
        raise Invalid(
            _("对方或您的参保关系已终止或转移到其他统筹区，绑定已自动解除，不能转账。"),
            field="to_national_id",
            rule="not_family",
        )
    now = timezone.now()
    check_hours(policy=policy, at=now)
    check_no_transfer_awaiting_acceptance(sender_id=sender.pk)
    check_daily_count(
        used=selectors.sent_transfers_today(person=sender, day=timezone.localdate(now)),
        policy=policy,
    )
    source = _source_account(person_id=sender.pk, region_code=sender_wallet.insured_region_id)
    check_source(source=source)
    check_balance(
        available_fen=source.current.balance_fen + source.carried.balance_fen,
        amount_fen=amount_fen,
    )
    return binding, policy, source, amount_fen, now


def wallet_transfer_create(
    *, sender: InsuredPerson, to_national_id: str, amount, idempotency_key: str
) -> WalletTransfer:
    """Start a transfer to a family member's wallet; the sender gets a one-time code.

    The same idempotency key again answers the same transfer, never a second one.
    """
    idempotency_key = (idempotency_key or "").strip()
    if not idempotency_key or len(idempotency_key) > 120:
        raise BusinessRuleViolation(
            _("请求头 Idempotency-Key 必填，长度不超过120个字符。"),
            field="Idempotency-Key",
            status_code=400,
        )
    recipient = (
        InsuredPerson.objects.select_related("wallet__insured_region")
        .filter(national_id=(to_national_id or "").strip().upper())
        .first()
    )
    if recipient is None or recipient.pk == sender.pk:
        raise Invalid(
            _("只能向已确认绑定的近亲属（家庭成员）转账。"),
            field="to_national_id",
            rule="not_family",
        )
    try:
        binding, policy, source, amount_fen, now = _check_new_transfer(
            sender=sender, recipient=recipient, amount=amount
        )
    except BusinessRuleViolation:
        # A retry of a transfer already made answers that transfer, whatever the rules say now.
        existing = WalletTransfer.objects.filter(
            sender=sender, idempotency_key=idempotency_key
        ).first()
        if existing is None:
            raise
        return _same_request_or_conflict(existing, _Request(recipient, _fen_or_none(amount)))

    code = codes.code_generate()
    try:
        with transaction.atomic():
            transfer = WalletTransfer.objects.create(
                sender=sender,
                recipient=recipient,
                binding=binding,
                source=source,
                region_id=source.region_id,
                amount_fen=amount_fen,
                idempotency_key=idempotency_key,
                code_digest=codes.code_digest(code),
                code_expires_at=now + dt.timedelta(minutes=policy.wallet_code_ttl_minutes),
            )
            event_record(
                action="transfer_create", obj=transfer, actor=sender, after=Status.AWAITING_CODE
            )
            transaction.on_commit(
                lambda: codes.transfer_code_send(
                    person=sender,
                    code=code,
                    amount=transfer.amount,
                    recipient_name=recipient.name,
                    ttl_minutes=policy.wallet_code_ttl_minutes,
                    reference=transfer.reference,
                )
            )
    except IntegrityError:
        # The same key raced in from a parallel request: answer the transfer it created.
        existing = WalletTransfer.objects.get(sender=sender, idempotency_key=idempotency_key)
        return _same_request_or_conflict(existing, _Request(recipient, amount_fen))
    return transfer


# --- confirm (the code) ---------------------------------------------------------------------


def _usage_lock(*, sender_id: int, day: dt.date, policy: RegionPolicy) -> WalletDailyUsage:
    WalletDailyUsage.objects.bulk_create(
        [
            WalletDailyUsage(
                sender_id=sender_id, day=day, max_transfers=policy.wallet_max_transfers_per_day
            )
        ],
        ignore_conflicts=True,
    )
    return WalletDailyUsage.objects.select_for_update().get(sender_id=sender_id, day=day)


def _transfer_locked(transfer_id: int, *related: str) -> WalletTransfer | None:
    return (
        WalletTransfer.objects.select_for_update(of=("self",))
        .select_related("region__policy", "sender", "recipient", *related)
        .filter(pk=transfer_id)
        .first()
    )


def _finish(transfer: WalletTransfer, *, status: str, reason: str, actor=None, label="") -> None:
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
        before=before,
        after=status,
        detail=reason,
    )


def _visible_to_sender(transfer: WalletTransfer | None, person: InsuredPerson) -> WalletTransfer:
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


def _already_finished(transfer: WalletTransfer) -> Refused:
    return Refused(
        _("该转账已%(status)s，不能再操作。%(reason)s")
        % {"status": transfer.get_status_display(), "reason": transfer.finish_reason}
    )


def wallet_transfer_confirm(
    *, transfer_id: int, sender: InsuredPerson, code: str
) -> WalletTransfer:
    """The sender's one-time code sends the money into holding (SENT).

    Wrong codes are counted (the count survives the refusal); at the region's limit the transfer
    is cancelled. An expired code expires the transfer. The limits are checked again here under
    the transfer's and the sender's daily-usage locks, so parallel confirmations cannot pass
    them together. (Ending the binding cancels transfers still waiting for their code, under the
    same transfer lock, so a transfer found AWAITING_CODE here still has its binding.)
    """
    refusal: BusinessRuleViolation | None = None
    try:
        with transaction.atomic():
            transfer = _visible_to_sender(_transfer_locked(transfer_id), sender)
            policy = selectors.region_policy(region=transfer.region)
            now = timezone.now()
            if transfer.status != Status.AWAITING_CODE:
                if transfer.status != Status.SENT and transfer.status in FINISHED:
                    raise _already_finished(transfer)
                if codes.code_matches(code, transfer.code_digest):
                    return transfer  # a retried confirmation: already sent, nothing posts twice
                raise Refused(_("该转账已转出，不能再次确认。"))
            if now >= transfer.code_expires_at:
                _finish(
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
                refusal = _wrong_code(transfer, policy=policy, sender=sender)
            else:
                usage = _usage_lock(sender_id=sender.pk, day=timezone.localdate(now), policy=policy)
                _send(transfer, usage=usage, policy=policy, now=now)
    except IntegrityError:
        # The database's own guard: another transfer of this sender became SENT first.
        raise Refused(
            _("您有一笔转账正等待对方接收，接收或退回后才能发起新的转账。"),
            rule="awaiting_acceptance",
        ) from None
    if refusal is not None:
        raise refusal
    return transfer


def _wrong_code(transfer: WalletTransfer, *, policy: RegionPolicy, sender) -> BusinessRuleViolation:
    transfer.code_failures += 1
    transfer.save(update_fields=["code_failures"])
    limit = policy.wallet_code_attempts
    left = max(limit - transfer.code_failures, 0)
    if left == 0:
        _finish(
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


def _send(transfer: WalletTransfer, *, usage: WalletDailyUsage, policy, now) -> None:
    """The limits again under lock, then the sender's account → the sender's holding account."""
    check_hours(policy=policy, at=now)
    check_amount(amount=transfer.amount, policy=policy)
    check_daily_count(used=usage.transfers, policy=policy)
    check_no_transfer_awaiting_acceptance(sender_id=transfer.sender_id)
    if not transfer.region.wallet_enabled:
        raise Invalid(
            _("您的参保地%(region)s尚未开通医保钱包转账功能。") % {"region": transfer.region.name},
            rule="region_disabled",
        )
    transfer.status, transfer.sent_at = Status.SENT, now
    transfer.accept_deadline = accept_deadline_for(sent_at=now, policy=policy)
    transfer.holding = person_account(
        person=transfer.sender, kind=LedgerAccount.Kind.WALLET_HOLDING
    )
    # The partial unique index (one SENT per sender) guards this row as well.
    transfer.save(update_fields=["status", "sent_at", "accept_deadline", "holding"])
    try:
        personal_account_spend(
            account=transfer.source,
            to_account=transfer.holding,
            amount_fen=transfer.amount_fen,
            kind=KIND_SEND,
            idempotency_key=f"wallet-transfer:{transfer.pk}:send",
            reference=transfer.reference,
        )
    except InsufficientBalance:
        source = PersonalAccount.objects.select_related("current", "carried").get(
            pk=transfer.source_id
        )
        check_balance(
            available_fen=source.current.balance_fen + source.carried.balance_fen,
            amount_fen=transfer.amount_fen,
        )
        raise
    WalletDailyUsage.objects.filter(pk=usage.pk).update(
        transfers=F("transfers") + 1,
        amount_fen=F("amount_fen") + transfer.amount_fen,
        max_transfers=policy.wallet_max_transfers_per_day,
    )
    event_record(
        action="transfer_sent",
        obj=transfer,
        actor=transfer.sender,
        before=Status.AWAITING_CODE,
        after=Status.SENT,
    )


@transaction.atomic
def wallet_transfer_cancel(*, transfer_id: int, sender: InsuredPerson) -> WalletTransfer:
    """The sender withdraws a transfer that is still waiting for its code."""
    transfer = _visible_to_sender(_transfer_locked(transfer_id), sender)
    if transfer.status == Status.CANCELLED:
        return transfer
    if transfer.status != Status.AWAITING_CODE:
        raise Refused(
            _("该转账%(status)s，只能取消尚未验证的转账。")
            % {"status": transfer.get_status_display()}
        )
    transfer_cancel_locked(transfer, reason=_("转出人取消"), actor=sender)
    return transfer


def transfer_cancel_locked(transfer: WalletTransfer, *, reason: str, actor=None) -> None:
    _finish(
        transfer,
        status=Status.CANCELLED,
        reason=reason,
        actor=actor,
        label="" if actor else "system",
    )


# --- accept / return ------------------------------------------------------------------------


@transaction.atomic
def wallet_transfer_accept(*, transfer_id: int, recipient: InsuredPerson) -> WalletTransfer:
    """The recipient takes the money into their wallet before the deadline (ACCEPTED)."""
    transfer = _transfer_locked(transfer_id, "recipient__wallet")
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
        raise _already_finished(transfer)
    now = timezone.now()
    if now >= transfer.accept_deadline:
        raise Refused(
            _("已超过接收期限（%(deadline)s），款项将退回转出人。")
            % {"deadline": timezone.localtime(transfer.accept_deadline).strftime("%Y-%m-%d %H:%M")}
        )
    wallet = getattr(transfer.recipient, "wallet", None)
    if wallet is None or wallet.status != Wallet.Status.OPEN:
        raise Refused(_("您的医保钱包未开通或已关闭，不能接收。"), rule="wallet_not_open")
    posting_create(
        from_account=LedgerAccount(pk=transfer.holding_id),
        to_account=LedgerAccount(pk=wallet.account_id),
        amount_fen=transfer.amount_fen,
        kind=KIND_ACCEPT,
        idempotency_key=f"wallet-transfer:{transfer.pk}:accept",
        reference=transfer.reference,
    )
    _finish(transfer, status=Status.ACCEPTED, reason="", actor=recipient)
    return transfer


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
    _finish(transfer, status=Status.RETURNED, reason=reason, label=label)


def wallet_transfer_return(*, transfer_id: int, reason: str = "") -> bool:
    """Return one unaccepted transfer to its sender; False when it is no longer SENT."""
    with transaction.atomic():
        transfer = _transfer_locked(transfer_id)
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
            transfer = _transfer_locked(pk)
            if transfer is not None and transfer.status == Status.AWAITING_CODE:
                _finish(
                    transfer,
                    status=Status.EXPIRED,
                    reason=_("验证码超时未确认"),
                    label="system",
                )
                expired += 1
    return expired
