"""The one way money moves: postings between ledger accounts, locked in one order."""

from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import (
    Employer,
    InsuredPerson,
    LedgerAccount,
    Posting,
    Region,
    fen_to_yuan,
)

Kind = LedgerAccount.Kind


class InsufficientBalance(BusinessRuleViolation):
    status_code = 409


def yuan_to_fen(amount: Decimal | str | int) -> int:
    """Exact yuan (at most 2 decimals) → integer fen; anything inexact is refused."""
    if isinstance(amount, float):
        raise TypeError("money is never a float")
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError):
        raise BusinessRuleViolation(_("金额格式无效。"), field="amount", status_code=400) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise BusinessRuleViolation(_("金额最多两位小数。"), field="amount", status_code=400)
    return int(value * 100)


def ledger_accounts_lock(account_ids) -> dict[int, LedgerAccount]:
    """Lock accounts in primary-key order, the one order every path uses (no deadlocks)."""
    accounts = LedgerAccount.objects.filter(pk__in=set(account_ids)).order_by("pk")
    return {account.pk: account for account in accounts.select_for_update()}


def person_account(*, person: InsuredPerson, kind: str) -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(kind=kind, person=person)
    return account


def employer_account(*, employer: Employer, kind: str = Kind.EMPLOYER_PENDING) -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(kind=kind, employer=employer)
    return account


def region_account(
    *, region: Region, kind: str = Kind.REGION_FUND, code: str = ""
) -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(kind=kind, region=region, code=code)
    return account


def external_account(*, code: str) -> LedgerAccount:
    """A counterparty outside the fund (TAX, BANK): its balance mirrors money sent or received."""
    account, _created = LedgerAccount.objects.get_or_create(
        kind=Kind.EXTERNAL, region=None, code=code
    )
    return account


@transaction.atomic
def posting_create(
    *,
    from_account: LedgerAccount,
    to_account: LedgerAccount,
    amount_fen: int,
    kind: str,
    idempotency_key: str,
    period: str = "",
    reference: str = "",
) -> Posting:
    """Move money; the same idempotency key again returns the first posting, never a second."""
    if amount_fen <= 0:
        raise BusinessRuleViolation(_("金额必须大于0。"), field="amount", status_code=400)
    if from_account.pk == to_account.pk:
        raise BusinessRuleViolation(_("转出和转入账户不能相同。"), status_code=400)
    locked = ledger_accounts_lock([from_account.pk, to_account.pk])
    source = locked[from_account.pk]
    if source.kind not in LedgerAccount.MAY_BE_NEGATIVE and source.balance_fen < amount_fen:
        existing = Posting.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:  # a repeat of a posting that already moved the money
            return _same_posting_or_conflict(existing, from_account, to_account, amount_fen)
        raise InsufficientBalance(
            _("余额不足：可用 %(available)s 元，需要 %(needed)s 元。")
            % {"available": source.balance, "needed": fen_to_yuan(amount_fen)},
            field="amount",
        )
    created_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_posting
                   (from_account_id, to_account_id, amount_fen, kind, period, reference,
                    idempotency_key, created_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (idempotency_key) DO NOTHING
               RETURNING id""",
            [
                source.pk,
                to_account.pk,
                amount_fen,
                kind,
                period,
                reference,
                idempotency_key,
                created_at,
            ],
        )
        inserted = cursor.fetchone()
        if inserted is None:
            existing = Posting.objects.get(idempotency_key=idempotency_key)
            return _same_posting_or_conflict(existing, from_account, to_account, amount_fen)
        cursor.execute(
            """UPDATE accounts_ledgeraccount
               SET balance_fen = balance_fen + CASE WHEN id = %s THEN %s ELSE %s END
               WHERE id IN (%s, %s)""",
            [to_account.pk, amount_fen, -amount_fen, source.pk, to_account.pk],
        )
    return Posting(
        pk=inserted[0],
        from_account=source,
        to_account=locked[to_account.pk],
        amount_fen=amount_fen,
        kind=kind,
        period=period,
        reference=reference,
        idempotency_key=idempotency_key,
        created_at=created_at,
    )


def _same_posting_or_conflict(existing: Posting, from_account, to_account, amount_fen) -> Posting:
    if (existing.from_account_id, existing.to_account_id, existing.amount_fen) != (
        from_account.pk,
        to_account.pk,
        amount_fen,
    ):
        raise BusinessRuleViolation(_("该幂等键已用于另一笔不同的业务。"), status_code=409)
    return existing
