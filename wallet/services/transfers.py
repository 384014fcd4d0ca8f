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

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import (
    InsuredPerson,
    LedgerAccount,
    PersonalAccount,
    Posting,
    Region,
    RegionPolicy,
    fen_to_yuan,
)
from accounts.services.ledger import (
    Move,
    ledger_accounts_lock,
    person_account_id,
    posting_create,
    postings_create,
    yuan_to_fen,
)
from accounts.services.personal_accounts import spend_split

from .. import codes
from ..models import FamilyBinding, Wallet, WalletDailyUsage, WalletTransfer
from ..selectors import person_is_minor
from . import rows
from .common import Forbidden, Invalid, NotFound, Refused, event_record
from .family import family_bindings_end_stale

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


def check_phone_not_just_changed(
    *, changed_at: dt.datetime | None, policy: RegionPolicy, now: dt.datetime
) -> None:
    """No transfer out for the policy's hours after a phone change (codes may reach a thief)."""
    if changed_at is None:
        return
    until = changed_at + dt.timedelta(hours=policy.wallet_phone_change_block_hours)
    if now < until:
        raise Refused(
            _(
                "您的手机号于 %(changed)s 变更，为保障资金安全，%(hours)d 小时内不能转出，"
                "%(until)s 以后可以转账。"
            )
            % {
                "changed": timezone.localtime(changed_at).strftime("%Y-%m-%d %H:%M"),
                "hours": policy.wallet_phone_change_block_hours,
                "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
            },
            rule="phone_changed",
        )


def code_failures_used_up(*, policy: RegionPolicy) -> Refused:
    return Refused(
        _(
            "今日验证码已输错 %(limit)d 次（每人每日上限），今日不能再确认或发起转账，"
            "请明天再试。如非本人操作，请尽快修改密码。"
        )
        % {"limit": policy.wallet_code_failures_per_day},
        field="code",
        rule="code_attempts_daily",
    )


def check_code_failures_today(*, failures: int, policy: RegionPolicy) -> None:
    if failures >= policy.wallet_code_failures_per_day:
        raise code_failures_used_up(policy=policy)


def codes_used_up(*, policy: RegionPolicy) -> Refused:
    return Refused(
        _("每人每日最多获取 %(limit)d 次转账验证码，今日已用完，请明天再试。")
        % {"limit": policy.wallet_codes_per_day},
        rule="daily_codes",
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


def accept_deadline_for(*, sent_at: dt.datetime, policy: RegionPolicy) -> dt.datetime:
    """06:00 (the policy's time) on the day after sending, Asia/Shanghai."""
    day = timezone.localdate(sent_at) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, policy.wallet_accept_deadline))


def _wallet(status, *, enabled, region_name) -> Wallet | None:
    if status is None:
        return None
    return Wallet(status=status, insured_region=Region(name=region_name, wallet_enabled=enabled))


# --- create ---------------------------------------------------------------------------------


@dataclass
class _Request:
    recipient_id: int
    amount_fen: int | None


def _same_request_or_conflict(existing: WalletTransfer, request: _Request) -> WalletTransfer:
    if (existing.recipient_id, existing.amount_fen) != (request.recipient_id, request.amount_fen):
        raise Refused(_("该幂等键（Idempotency-Key）已用于另一笔不同的转账。"))
    return existing


def _fen_or_none(amount) -> int | None:
    try:
        return yuan_to_fen(str(amount))
    except BusinessRuleViolation:
        return None


def _check_new_transfer(*, sender: InsuredPerson, facts: dict, amount, now) -> tuple:
    """Every rule for a new transfer; the same checks run again under lock at confirmation."""
    sender_age = InsuredPerson(
        birth_date=facts["sender_birth_date"], national_id=facts["sender_national_id"]
    )
    if person_is_minor(person=sender_age):
        raise Forbidden(_("未满18周岁的参保人不能自行转账。"), rule="minor")
    check_wallets(
        sender_wallet=_wallet(
            facts["sender_wallet"],
            enabled=facts["sender_enabled"],
            region_name=facts["sender_region"],
        ),
        recipient_wallet=_wallet(
            facts["recipient_wallet"],
            enabled=facts["recipient_enabled"],
            region_name=facts["recipient_region"],
        ),
    )
    policy = rows.policy(facts, facts["sender_region_id"])
    amount_fen = check_amount(amount=amount, policy=policy)
    binding = None
    if facts["binding_id"] is not None:
        binding = FamilyBinding(
            pk=facts["binding_id"],
            status=facts["binding_status"],
            requester_id=facts["requester_id"],
            member_id=facts["member_id"],
            requester_region_id=facts["requester_region_id"],
            member_region_id=facts["member_region_id"],
        )
    check_binding(binding=binding)
    insured_in = (facts["requester_insured_in"], facts["member_insured_in"])
    if insured_in != (binding.requester_region_id, binding.member_region_id):
        family_bindings_end_stale(person_ids=[sender.pk, facts["recipient_id"]])
        raise Invalid(
            _("对方或您的参保关系已终止或转移到其他统筹区，绑定已自动解除，不能转账。"),
            field="to_national_id",
            rule="not_family",
        )
    check_phone_not_just_changed(
        changed_at=rows.aware(facts["sender_phone_changed_at"]), policy=policy, now=now
    )
    check_hours(policy=policy, at=now)
    if facts["waiting_id"] is not None:
        check_no_transfer_awaiting_acceptance(sender_id=sender.pk)
    check_daily_count(used=facts["used_today"] or 0, policy=policy)
    check_code_failures_today(failures=facts["failures_today"] or 0, policy=policy)
    if (facts["codes_today"] or 0) >= policy.wallet_codes_per_day:
        raise codes_used_up(policy=policy)
    source = None
    if facts["source_id"] is not None:
        source = PersonalAccount(pk=facts["source_id"], status=facts["source_status"])
    check_source(source=source)
    check_balance(available_fen=facts["current_fen"] + facts["carried_fen"], amount_fen=amount_fen)
    return binding, policy, amount_fen


def wallet_transfer_create(
    *, sender: InsuredPerson, to_national_id: str, amount, idempotency_key: str
) -> WalletTransfer:
    """Start a transfer to a family member's wallet; the sender gets a one-time code.

    The same idempotency key again answers the same transfer, never a second one. A request of
    the sender still waiting for its code is cancelled by this one (one at a time). Refused
    besides the transfer rules: to a minor (`minor`), a phone changed within the policy's hours
    (`phone_changed`), the day's codes (`daily_codes`) or wrong codes (`code_attempts_daily`)
    used up. One read, then one statement counts the code and writes the transfer and its
    audit row.
    """
    idempotency_key = (idempotency_key or "").strip()
    if not idempotency_key or len(idempotency_key) > 120:
        raise BusinessRuleViolation(
            _("请求头 Idempotency-Key 必填，长度不超过120个字符。"),
            field="Idempotency-Key",
            status_code=400,
        )
    now = timezone.now()
    facts = rows.fetch(
        rows.NEW_TRANSFER,
        {
            "sender": sender.pk,
            "national_id": (to_national_id or "").strip().upper(),
            "key": idempotency_key,
            "day": timezone.localdate(now),
        },
    )
    if facts is None or facts["recipient_id"] == sender.pk:
        raise Invalid(
            _("只能向已确认绑定的近亲属（家庭成员）转账。"),
            field="to_national_id",
            rule="not_family",
        )
    if facts["existing_id"] is not None:
        # A retry of a transfer already made answers that transfer, whatever the rules say now.
        existing = WalletTransfer.objects.get(pk=facts["existing_id"])
        return _same_request_or_conflict(
            existing, _Request(facts["recipient_id"], _fen_or_none(amount))
        )
    binding, policy, amount_fen = _check_new_transfer(
        sender=sender, facts=facts, amount=amount, now=now
    )
    code = codes.code_generate()
    transfer = WalletTransfer(
        sender=sender,
        recipient=InsuredPerson.from_db(
            connection.alias, ["id", "name"], [facts["recipient_id"], facts["recipient_name"]]
        ),
        binding=binding,
        source_id=facts["source_id"],
        region_id=facts["source_region_id"],
        amount_fen=amount_fen,
        idempotency_key=idempotency_key,
        code_digest=codes.code_digest(code),
        code_expires_at=now + dt.timedelta(minutes=policy.wallet_code_ttl_minutes),
        created_at=now,
    )
    values = [
        sender.pk,
        transfer.recipient_id,
        transfer.binding_id,
        transfer.source_id,
        transfer.region_id,
        amount_fen,
        idempotency_key,
        transfer.code_digest,
        rows.at(transfer.code_expires_at),
        rows.at(now),
    ]
    usage = [
        sender.pk,
        timezone.localdate(now),
        policy.wallet_max_transfers_per_day,
        policy.wallet_codes_per_day,
        policy.wallet_code_failures_per_day,
    ]
    new_id = None
    if facts["awaiting_code_id"] is None:
        new_id = _insert_counted(values=values, usage=usage, policy=policy, now=now)
    if new_id is None:
        new_id = _insert_replacing_awaiting(
            sender=sender, values=values, usage=usage, policy=policy, now=now
        )
    if isinstance(new_id, WalletTransfer):
        # The same key raced in from a parallel request: answer the transfer it created.
        return _same_request_or_conflict(new_id, _Request(transfer.recipient_id, amount_fen))
    transfer.pk = new_id
    transfer._state.adding, transfer._state.db = False, connection.alias
    # After the commit (at once outside a transaction: the statement has committed).
    transaction.on_commit(
        lambda: codes.transfer_code_send(
            person=sender,
            code=code,
            amount=transfer.amount,
            recipient_name=transfer.recipient.name,
            ttl_minutes=policy.wallet_code_ttl_minutes,
            reference=transfer.reference,
        )
    )
    return transfer


def _insert_counted(*, values: list, usage: list, policy: RegionPolicy, now) -> int | None:
    """The transfer and its counted code, or nothing: None on a unique conflict; refused when
    the day's codes are used up (the usage row's CHECK refuses the statement)."""
    try:
        if not connection.in_atomic_block:
            return rows.transfer_insert(values, usage=usage, actor_id=values[0], now=now)
        with transaction.atomic():  # a savepoint: a refusal leaves the caller's work usable
            return rows.transfer_insert(values, usage=usage, actor_id=values[0], now=now)
    except IntegrityError:
        raise codes_used_up(policy=policy) from None


@transaction.atomic
def _insert_replacing_awaiting(
    *, sender: InsuredPerson, values: list, usage: list, policy: RegionPolicy, now
) -> int | WalletTransfer:
    """Cancel the sender's request still waiting for its code, then insert the new one; the
    new id, or the transfer a parallel request made with the same key. Retried when a
    parallel request of the sender got in between."""
    key = values[6]
    for _attempt in range(3):
        waiting = (
            WalletTransfer.objects.select_for_update(of=("self",))
            .filter(sender=sender, status=Status.AWAITING_CODE)
            .exclude(idempotency_key=key)
            .order_by("pk")
        )
        for old in waiting:
            transfer_cancel_locked(old, reason=_("已发起新的转账，原转账取消"), actor=sender)
        new_id = _insert_counted(values=values, usage=usage, policy=policy, now=now)
        if new_id is not None:
            return new_id
        existing = WalletTransfer.objects.filter(sender=sender, idempotency_key=key).first()
        if existing is not None:
            return existing
    raise Refused(_("您的另一笔转账申请正在提交，请稍后再试。"), rule="code_in_progress")


# --- confirm (the code) ---------------------------------------------------------------------


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
        % {"status": transfer.get_status_display(), "reason": transfer.finish_reason},
        rule="finished",
    )


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
                rows.TRANSFER_TO_CONFIRM, {"id": transfer_id, "day": timezone.localdate(now)}
            )
            transfer = _visible_to_sender(rows.transfer_from(row) if row else None, sender)
            policy = rows.policy(row, transfer.region_id)
            if transfer.status != Status.AWAITING_CODE:
                if transfer.status != Status.SENT and transfer.status in FINISHED:
                    raise _already_finished(transfer)
                if codes.code_matches(code, transfer.code_digest):
                    return transfer  # a retried confirmation: already sent, nothing posts twice
                raise Refused(_("该转账已转出，不能再次确认。"))
            check_phone_not_just_changed(
                changed_at=rows.aware(row["sender_phone_changed_at"]), policy=policy, now=now
            )
            check_code_failures_today(failures=row["failures_today"] or 0, policy=policy)
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
        _finish(
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


def _send(transfer: WalletTransfer, *, row: dict, policy: RegionPolicy, now) -> None:
    """The limits again under lock, then the sender's account → the sender's holding account.

    Locks after the transfer's: the sender's daily-usage row (counted in the same statement),
    then the ledger accounts in primary-key order.
    """
    check_hours(policy=policy, at=now)
    check_amount(amount=transfer.amount, policy=policy)
    check_daily_count(used=row["used_today"] or 0, policy=policy)
    if row["waiting_id"] is not None:
        check_no_transfer_awaiting_acceptance(sender_id=transfer.sender_id)
    if not row["region_enabled"]:
        raise Invalid(
            _("您的参保地%(region)s尚未开通医保钱包转账功能。") % {"region": row["region_name"]},
            rule="region_disabled",
        )
    check_source(source=PersonalAccount(pk=transfer.source_id, status=row["source_status"]))
    day = timezone.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute(
            rows.USAGE_COUNT,
            [
                transfer.sender_id,
                day,
                policy.wallet_max_transfers_per_day,
                transfer.amount_fen,
                policy.wallet_code_failures_per_day,
            ],
        )
        if cursor.fetchone() is None:  # the day's last transfer or wrong code came meanwhile
            usage = WalletDailyUsage.objects.get(sender_id=transfer.sender_id, day=day)
            check_daily_count(used=usage.transfers, policy=policy)
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
    if now >= transfer.accept_deadline:
        raise Refused(
            _("已超过接收期限（%(deadline)s），款项将退回转出人。")
            % {"deadline": timezone.localtime(transfer.accept_deadline).strftime("%Y-%m-%d %H:%M")}
        )
    # Otherwise the wallet: closed, or never opened.
    raise Refused(_("您的医保钱包未开通或已关闭，不能接收。"), rule="wallet_not_open")


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
