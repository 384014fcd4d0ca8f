"""Clearance (清退): an employer asks to pay money waiting in its pending-transfer account
(待转账户) to its bank account; staff of its region approve (the money leaves through the
ledger to the bank counterparty) or reject. While a request waits, its amount is reserved:
the employer cannot ask for it twice."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Invalid, NotFound, Refused
from accounts.models import Employer, LedgerAccount, Notification, User, fen_to_yuan
from accounts.permissions import require_staff_region
from accounts.services.audit import audit_event_record, audit_snapshot
from accounts.services.ledger import (
    Move,
    employer_account,
    external_account,
    ledger_accounts_lock,
    postings_create,
    yuan_to_fen,
)
from accounts.services.notifications import notification_send

from ..models import Clearance

BANK = "BANK"
POSTING_KIND = "CLEARANCE"
_DECIDED = ("status", "decided_by_id", "reason", "posting_key")


def _reserved_fen(employer: Employer) -> int:
    waiting = Clearance.objects.filter(employer=employer, status=Clearance.Status.PENDING)
    return waiting.aggregate(total=Sum("amount_fen"))["total"] or 0


def clearance_available_fen(*, employer: Employer, balance_fen: int | None = None) -> int:
    """The pending balance (read unless the caller has it) less what waiting requests
    reserve."""
    if balance_fen is None:
        account = LedgerAccount.objects.filter(
            kind=LedgerAccount.Kind.EMPLOYER_PENDING, employer=employer
        ).first()
        balance_fen = account.balance_fen if account else 0
    return max(balance_fen - _reserved_fen(employer), 0)


def bank_details_check(*, bank_name: str, bank_account: str) -> tuple[str, str]:
    """(bank name, account digits) where money leaves to; 422 naming the field when the
    name is missing or the account is not 10–30 digits (spaces allowed, dropped)."""
    bank_name = (bank_name or "").strip()
    if not bank_name or len(bank_name) > 100 or not bank_name.isprintable():
        raise Invalid(_("请填写开户银行，最多100个字符。"), field="bank_name")
    account = (bank_account or "").replace(" ", "")
    if not (account.isascii() and account.isdigit() and 10 <= len(account) <= 30):
        raise Invalid(_("银行账号是10到30位数字。"), field="bank_account")
    return bank_name, account


@transaction.atomic
def clearance_request(
    *, employer: Employer, amount: Decimal | str, bank_name: str, bank_account: str, by: User
) -> Clearance:
    """The employer asks to clear `amount` to its bank account. Refusals: 400 an amount that is
    not exact yuan, 422 no bank name or a bank account that is not 10–30 digits, 409 more than
    the available pending balance (what waiting requests reserve is not available)."""
    amount_fen = yuan_to_fen(amount)
    if amount_fen <= 0:
        raise Invalid(_("金额必须大于0。"), field="amount")
    bank_name, account_number = bank_details_check(bank_name=bank_name, bank_account=bank_account)
    pending = employer_account(employer=employer)
    # The pending account's row lock serialises requests of one employer: reservations add up.
    balance = ledger_accounts_lock([pending.pk])[pending.pk].balance_fen
    available = balance - _reserved_fen(employer)
    if amount_fen > available:
        raise Refused(
            _("可清退金额为 %(available)s 元（待审核的申请已预留其余部分）。")
            % {"available": fen_to_yuan(max(available, 0))},
            field="amount",
            rule="over_available",
        )
    clearance = Clearance.objects.create(
        employer=employer,
        amount_fen=amount_fen,
        bank_name=bank_name,
        bank_account=account_number,
        requested_by=by,
    )
    audit_event_record(
        actor=by,
        action="clearance_request",
        obj=clearance,
        before={},
        after={"amount_fen": amount_fen, "status": clearance.status},
    )
    return clearance


def _clearance_lock(clearance_id: int) -> Clearance:
    try:
        return (
            Clearance.objects.select_for_update(of=("self",))
            .select_related("employer")
            .get(pk=clearance_id)
        )
    except Clearance.DoesNotExist:
        raise NotFound(_("没有这个清退申请。")) from None


def _require_pending(clearance: Clearance) -> None:
    if clearance.status != Clearance.Status.PENDING:
        raise Refused(
            _("该申请已是“%(status)s”，不能再次审核。")
            % {"status": clearance.get_status_display()},
            rule="already_decided",
        )


@transaction.atomic
def clearance_approve(*, clearance_id: int, by: User) -> Clearance:
    """Staff of the employer's region approve: the amount leaves the pending account for the
    bank counterparty, once. Refusals: 403 another region's staff, 404, 409 decided already."""
    clearance = _clearance_lock(clearance_id)
    require_staff_region(user=by, region_id=clearance.employer.region_id)
    _require_pending(clearance)
    before = audit_snapshot(clearance, _DECIDED)
    clearance.posting_key = f"clearance:{clearance.pk}"
    postings_create(
        moves=[
            Move(
                employer_account(employer=clearance.employer).pk,
                external_account(code=BANK).pk,
                clearance.amount_fen,
                POSTING_KIND,
                clearance.posting_key,
                reference=f"clearance-{clearance.pk}",
            )
        ]
    )
    clearance.status = Clearance.Status.APPROVED
    clearance.decided_by, clearance.decided_at = by, timezone.now()
    clearance.save(update_fields=["status", "decided_by", "decided_at", "posting_key"])
    audit_event_record(
        actor=by,
        action="clearance_approve",
        obj=clearance,
        before=before,
        after=audit_snapshot(clearance, _DECIDED),
    )
    notification_send(
        recipient=clearance.employer,
        kind=Notification.Kind.REFUND,
        text=_("清退申请已审核通过，%(amount)s 元已转至 %(bank)s。")
        % {"amount": clearance.amount, "bank": clearance.bank_name},
        link="/employer/refunds/pending/",
    )
    return clearance


@transaction.atomic
def clearance_reject(*, clearance_id: int, by: User, reason: str) -> Clearance:
    """Staff reject with a reason; the reserved amount is available again. Refusals: 422 no
    reason, 403 another region's staff, 404, 409 decided already."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("驳回时必须填写原因。"), field="reason")
    clearance = _clearance_lock(clearance_id)
    require_staff_region(user=by, region_id=clearance.employer.region_id)
    _require_pending(clearance)
    before = audit_snapshot(clearance, _DECIDED)
    clearance.status, clearance.reason = Clearance.Status.REJECTED, reason[:500]
    clearance.decided_by, clearance.decided_at = by, timezone.now()
    clearance.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit_event_record(
        actor=by,
        action="clearance_reject",
        obj=clearance,
        before=before,
        after=audit_snapshot(clearance, _DECIDED),
        reason=clearance.reason,
    )
    notification_send(
        recipient=clearance.employer,
        kind=Notification.Kind.REFUND,
        text=_("清退申请未通过审核：%(reason)s") % {"reason": clearance.reason},
        link="/employer/refunds/pending/",
    )
    return clearance
