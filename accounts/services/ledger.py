"""The one way money moves: postings between ledger accounts, locked in one order."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
_LOCKED_FIELDS = ["id", "kind", "balance_fen"]
_POSTING_COLUMNS = (
    "from_account_id, to_account_id, amount_fen, kind, period, reference, idempotency_key, "
    "created_at"
)
# PostgreSQL moves the balances in the statement that inserts the postings (one round trip);
# the deltas come from the rows actually inserted, so a repeated key moves nothing.
_BALANCES_FROM_INSERTED = """
    WITH p AS ({insert}),
    moved AS (
        SELECT from_account_id AS account_id, -amount_fen AS delta FROM p
        UNION ALL SELECT to_account_id, amount_fen FROM p
    ),
    b AS (
        UPDATE accounts_ledgeraccount a SET balance_fen = a.balance_fen + m.delta
        FROM (SELECT account_id, SUM(delta) AS delta FROM moved GROUP BY account_id) m
        WHERE a.id = m.account_id
    )
    SELECT id, idempotency_key FROM p"""


class InsufficientBalance(BusinessRuleViolation):
    status_code = 409


@dataclass(frozen=True)
class Move:
    """One posting to make: `amount_fen` from one ledger account to another."""

    from_id: int
    to_id: int
    amount_fen: int
    kind: str
    idempotency_key: str
    period: str = ""
    reference: str = ""


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


def ledger_accounts_lock(account_ids) -> dict[int, LedgerAccount]:
    """Lock accounts in primary-key order, the one order every path uses (no deadlocks).

    Every posting path comes here, so it loads only id, kind and balance (the rest on access).
    """
    ids = sorted(set(account_ids))
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, kind, balance_fen FROM accounts_ledgeraccount "  # noqa: S608 — placeholders only
            f"WHERE id IN ({_placeholders(len(ids))}) ORDER BY id{lock}",
            ids,
        )
        rows = cursor.fetchall()
    return {row[0]: LedgerAccount.from_db(connection.alias, _LOCKED_FIELDS, row) for row in rows}


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
    for move in moves:
        if move.amount_fen <= 0:
            raise BusinessRuleViolation(_("金额必须大于0。"), field="amount", status_code=400)
        if move.from_id == move.to_id:
            raise BusinessRuleViolation(_("转出和转入账户不能相同。"), status_code=400)
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
    inserted = _insert(pending, created_at) if pending else {}
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


def _insert(moves: Sequence[Move], created_at) -> dict[str, int]:
    """Insert the postings, skipping keys already posted; {key: id} of those inserted."""
    at = connection.ops.adapt_datetimefield_value(created_at)
    params = [
        value
        for m in moves
        for value in (m.from_id, m.to_id, m.amount_fen, m.kind, m.period, m.reference)
        + (m.idempotency_key, at)
    ]
    rows = ", ".join([f"({_placeholders(8)})"] * len(moves))
    insert = (
        f"INSERT INTO accounts_posting ({_POSTING_COLUMNS}) VALUES {rows} "  # noqa: S608 — placeholders only
        "ON CONFLICT (idempotency_key) DO NOTHING "
        "RETURNING id, from_account_id, to_account_id, amount_fen, idempotency_key"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_BALANCES_FROM_INSERTED.format(insert=insert), params)
            return {key: pk for pk, key in cursor.fetchall()}
        cursor.execute(insert, params)
        inserted = cursor.fetchall()
        net: dict[int, int] = defaultdict(int)
        for _pk, from_id, to_id, amount_fen, _key in inserted:
            net[from_id] -= amount_fen
            net[to_id] += amount_fen
        if net:
            cases = " ".join(["WHEN %s THEN %s"] * len(net))
            cursor.execute(
                f"UPDATE accounts_ledgeraccount SET balance_fen = balance_fen + CASE id {cases} "  # noqa: S608 — placeholders only
                f"END WHERE id IN ({_placeholders(len(net))})",
                [v for item in net.items() for v in item] + list(net),
            )
        return {key: pk for pk, _f, _t, _a, key in inserted}
