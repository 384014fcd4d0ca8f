"""The one way money moves: postings between ledger accounts, locked in one order."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
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

from .ledger_bulk import (  # noqa: F401 -- re-exported: the names every app imports from here
    InsufficientBalance,
    Move,
    ledger_accounts_lock,
    moves_check,
    postings_insert_locked,
    postings_post_query,
    postings_post_rows,
)

Kind = LedgerAccount.Kind


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


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def person_account(*, person: InsuredPerson, kind: str) -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(kind=kind, person=person)
    return account


def person_account_id(*, person_id: int, kind: str) -> int:
    """`person_account`'s id in one statement when it is new: insert unless the unique index
    says it is there already, then read it."""
    account = LedgerAccount(kind=kind, person_id=person_id)
    fields = [f for f in LedgerAccount._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(account, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO accounts_ledgeraccount ({columns}) VALUES ({_placeholders(len(fields))}) "  # noqa: S608 — model columns, placeholders only
            "ON CONFLICT DO NOTHING RETURNING id",
            values,
        )
        inserted = cursor.fetchone()
    if inserted is not None:
        return inserted[0]
    return LedgerAccount.objects.get(kind=kind, person_id=person_id).pk


def employer_account(*, employer: Employer, kind: str = Kind.EMPLOYER_PENDING) -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(kind=kind, employer=employer)
    return account


def region_account(
    *, region: Region, kind: str = Kind.REGION_FUND, code: str = ""
) -> LedgerAccount:
    # person and employer null: the lookup the partial unique index answers, not a scan of
    # every ledger account of the region.
    account, _created = LedgerAccount.objects.get_or_create(
        kind=kind, region=region, code=code, person=None, employer=None
    )
    return account


def external_account(*, code: str) -> LedgerAccount:
    """A counterparty outside the fund (TAX, BANK): its balance mirrors money sent or received."""
    account, _created = LedgerAccount.objects.get_or_create(
        kind=Kind.EXTERNAL, region=None, code=code
    )
    return account


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
    move = Move(
        from_account.pk, to_account.pk, amount_fen, kind, idempotency_key, period, reference
    )
    return postings_create(moves=[move])[0]


def postings_create(
    *, moves: Sequence[Move], locked: Mapping[int, LedgerAccount] | None = None
) -> list[Posting]:
    """Several postings at once: one lock, one INSERT, one balance UPDATE (one statement on
    PostgreSQL), in the order of `moves`.

    The accounts are locked in primary-key order, unless the caller passes `locked`: what it
    locked with `ledger_accounts_lock` earlier in this transaction, every account of `moves`
    among them. An overdraft of an account that may not go negative refuses the whole batch;
    a key already posted answers that posting (a conflict if it moved other money).
    """
    moves_check(moves)
    # No savepoint: a refusal is raised after the block, having written nothing, so a caller's
    # transaction stays usable; anything else rolls the caller back too.
    with transaction.atomic(savepoint=False):
        if locked is None:
            locked = ledger_accounts_lock([i for m in moves for i in (m.from_id, m.to_id)])
        postings, refusal = _post(moves, locked)
    if refusal is not None:
        raise refusal
    return postings


def _overdraft(moves: Sequence[Move], locked: Mapping[int, LedgerAccount]):
    """The first account the moves would take below zero, with what they take from it."""
    net: dict[int, int] = defaultdict(int)
    for move in moves:
        net[move.from_id] -= move.amount_fen
        net[move.to_id] += move.amount_fen
    for account_id, change in net.items():
        account = locked[account_id]
        if account.kind not in LedgerAccount.MAY_BE_NEGATIVE and account.balance_fen + change < 0:
            return account, -change
    return None


def _post(moves: Sequence[Move], locked: Mapping[int, LedgerAccount]):
    """(postings, None), or ([], the refusal) when nothing was written."""
    done: dict[str, Posting] = {}
    pending = list(moves)
    if _overdraft(pending, locked) is not None:
        # Repeats of postings already made moved their money then: only the others count.
        done = _existing(pending)
        pending = [m for m in pending if m.idempotency_key not in done]
        short = _overdraft(pending, locked)
        if short is not None:
            account, needed = short
            return [], InsufficientBalance(
                _("余额不足：可用 %(available)s 元，需要 %(needed)s 元。")
                % {"available": account.balance, "needed": fen_to_yuan(needed)},
                field="amount",
            )
    created_at = timezone.now()
    inserted = (
        {row[-1]: row[0] for row in postings_insert_locked(moves=pending, created_at=created_at)}
        if pending
        else {}
    )
    repeated = [m for m in pending if m.idempotency_key not in inserted]
    if repeated:
        done |= _existing(repeated)
    postings = []
    for move in moves:
        if move.idempotency_key in inserted:
            postings.append(
                Posting(
                    pk=inserted[move.idempotency_key],
                    from_account=locked[move.from_id],
                    to_account=locked[move.to_id],
                    amount_fen=move.amount_fen,
                    kind=move.kind,
                    period=move.period,
                    reference=move.reference,
                    idempotency_key=move.idempotency_key,
                    created_at=created_at,
                )
            )
            continue
        existing = done[move.idempotency_key]
        if (existing.from_account_id, existing.to_account_id, existing.amount_fen) != (
            move.from_id,
            move.to_id,
            move.amount_fen,
        ):
            conflict = BusinessRuleViolation(_("该幂等键已用于另一笔不同的业务。"), status_code=409)
            if inserted:
                raise conflict  # the rest of the batch must not stay posted
            return [], conflict
        postings.append(existing)
    return postings, None


def _existing(moves: Sequence[Move]) -> dict[str, Posting]:
    keys = [m.idempotency_key for m in moves]
    return {p.idempotency_key: p for p in Posting.objects.filter(idempotency_key__in=keys)}
