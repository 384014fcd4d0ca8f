"""Requesting a transfer: every rule checked on one read, then one statement writes the
transfer, counts its one-time code and records the audit row; the code goes out after commit.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation, Invalid, Refused
from accounts.models import InsuredPerson, RegionPolicy
from accounts.services.ledger import yuan_to_fen

from ... import codes
from ...models import WalletTransfer
from .. import rows
from ..family import family_bindings_end_stale
from ..transfer_states import Status, transfer_cancel_locked
from . import checks


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


def wallet_transfer_create(
    *, sender: InsuredPerson, to_national_id: str, amount, idempotency_key: str
) -> WalletTransfer:
    """Start a transfer to a family member's wallet; the sender gets a one-time code.

    The same idempotency key again answers the same transfer, never a second one. A request of
    the sender still waiting for its code is cancelled by this one (one at a time). Refused
    besides the transfer rules: a sender suspended where the money would leave from
    (`enrollment_suspended`), the day's total over the region's (`daily_amount`), to a minor
    (`minor`), a phone changed within the policy's hours
    (`phone_changed`), the day's codes (`daily_codes`) or wrong codes (`code_attempts_daily`)
    used up. A binding a side's enrollment change left stale is ended (committed), then
    refused (`not_family`). One read, then one statement counts the code and writes the
    transfer and its audit row.
    """
    idempotency_key = (idempotency_key or "").strip()
    if not idempotency_key or len(idempotency_key) > 120:
        raise BusinessRuleViolation(
            _("请求头 Idempotency-Key 必填，长度不超过120个字符。"),
            field="Idempotency-Key",
            status_code=400,
        )
    now = timezone.now()
    facts = rows.new_transfer_facts(
        sender_id=sender.pk,
        national_id=(to_national_id or "").strip().upper(),
        key=idempotency_key,
        day=timezone.localdate(now),
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
    try:
        binding, policy, amount_fen = checks.new_transfer_check(
            sender=sender, facts=facts, amount=amount, now=now
        )
    except checks.BindingOutlived:
        # An enrollment change its signal has not yet applied: end the binding (committed,
        # like the nightly job would), then refuse.
        family_bindings_end_stale(person_ids=[sender.pk, facts["recipient_id"]])
        raise
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
        raise checks.codes_used_up(policy=policy) from None


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
