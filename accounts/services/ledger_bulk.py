# ruff: noqa: S608 -- SQL composed of constant fragments and the caller's query; values are parameters.
"""The one set-based posting path: many postings at once, from Python rows or from a query.

Every posting of the project is inserted here (`posting_create` and `postings_create` too), and
every ledger account is locked through `ledger_accounts_lock_sql`, in primary-key order.
"""

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import LedgerAccount
from accounts.sql import json_rows

# The columns a posting source yields, by these names, in any order.
SOURCE_COLUMNS = (
    "from_account_id",
    "to_account_id",
    "amount_fen",
    "kind",
    "period",
    "reference",
    "idempotency_key",
)
_COLUMNS = ", ".join(SOURCE_COLUMNS)
_RETURNING = "id, from_account_id, to_account_id, amount_fen, kind, idempotency_key"
_LOCKED_FIELDS = ["id", "kind", "balance_fen"]


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


@dataclass(frozen=True)
class Posted:
    """What a batch inserted (keys posted before are not in it): per kind (count, fen), and,
    when asked for, each new posting as (id, from, to, amount_fen, kind, idempotency_key)."""

    by_kind: dict[str, tuple[int, int]]
    rows: list[tuple] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(count for count, _fen in self.by_kind.values())

    @property
    def amount_fen(self) -> int:
        return sum(fen for _count, fen in self.by_kind.values())


def ledger_accounts_lock_sql(ids_query: str, columns: str = "id") -> str:
    """The one statement that locks ledger accounts: those `ids_query` selects, in primary-key
    order, the order every path uses, so no two postings deadlock; it reads `columns` of the
    locked rows as they are once locked. SQLite locks the whole file instead."""
    if connection.vendor != "postgresql":
        return f"SELECT {columns} FROM accounts_ledgeraccount WHERE id IN ({ids_query}) ORDER BY id"
    # `= ANY(ARRAY(...))` keeps the primary-key index whatever the row estimates say.
    return (
        f"SELECT {columns} FROM accounts_ledgeraccount WHERE id = ANY(ARRAY({ids_query})) "
        "ORDER BY id FOR UPDATE"
    )


def ledger_accounts_lock(account_ids, *, load: bool = True) -> dict[int, LedgerAccount]:
    """Lock accounts in primary-key order; {id: the account with its id, kind and balance}, or
    with `load=False` nothing (thousands of accounts, no model built per row)."""
    ids = sorted(set(account_ids))
    if connection.vendor == "postgresql":
        ids_query, params = "SELECT unnest(%s::bigint[])", [ids]
    else:
        ids_query, params = "SELECT value FROM json_each(%s)", [json.dumps(ids)]
    with connection.cursor() as cursor:
        cursor.execute(ledger_accounts_lock_sql(ids_query, ", ".join(_LOCKED_FIELDS)), params)
        rows = cursor.fetchall()
    if not load:
        return {}
    return {row[0]: LedgerAccount.from_db(connection.alias, _LOCKED_FIELDS, row) for row in rows}


def postings_post_rows(*, moves: Sequence[Move], rows: bool = False) -> Posted:
    """Post `moves` at once (see `postings_post_query`); amounts are checked before anything
    is written. The path refund batches take: one Move per refund line, keyed by the line."""
    moves_check(moves)
    if not moves:
        return Posted(by_kind={})
    source, params = _rows_source(moves)
    return postings_post_query(ctes=source, query="SELECT * FROM moves", params=params, rows=rows)


def postings_post_query(
    *,
    query: str,
    params: Sequence | dict = (),
    ctes: str = "",
    lock_first: bool = False,
    rows: bool = False,
) -> Posted:
    """Post every row `query` selects, with no Python per row: the monthly credit of a city
    in a few statements. The query yields the columns of SOURCE_COLUMNS by name; it may use
    `ctes` (without WITH) and `params`: positional (%s, those of `ctes` first) or named.

    - Idempotent: a row whose `idempotency_key` is already posted is skipped, never posted
      twice (the database's unique key decides, also between concurrent batches). A key names
      one move for good: what the earlier posting moved is not compared (`postings_create`
      does compare, for requests that may reuse a key by mistake).
    - Balances follow in the same statement (PostgreSQL), the touched ledger accounts locked
      in primary-key order first. With `lock_first` they are locked before the query is read,
      so amounts it reads from balances (the carry-over moves what is there) are final.
    - Refusals, with nothing written and the caller's transaction still usable: an amount
      not above zero or a posting to its own account (BusinessRuleViolation), a balance that
      may not go negative going below zero (InsufficientBalance; the database's CHECK).

    Returns what was inserted (`Posted`); with `rows` also each new posting.
    """
    source = f"WITH {ctes}, source AS ({query})" if ctes else f"WITH source AS ({query})"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if lock_first:
                ids = "SELECT from_account_id FROM source UNION SELECT to_account_id FROM source"
                cursor.execute(f"{source} {ledger_accounts_lock_sql(ids)}", params)
            return _insert_and_apply(cursor, source, params, timezone.now(), rows=rows)
    except IntegrityError as exc:
        raise _refusal(exc) from None


def postings_insert_locked(*, moves: Sequence[Move], created_at) -> list[tuple]:
    """`postings_create`'s insert: its accounts are locked and its checks made already, so no
    savepoint (one statement on PostgreSQL); the new postings' rows as in `Posted.rows`."""
    ctes, params = _rows_source(moves)
    source = f"WITH {ctes}, source AS (SELECT * FROM moves)"
    with connection.cursor() as cursor:
        return _insert_and_apply(cursor, source, params, created_at, rows=True).rows


def moves_check(moves: Sequence[Move]) -> None:
    for move in moves:
        if move.amount_fen <= 0:
            raise BusinessRuleViolation(_("金额必须大于0。"), field="amount", status_code=400)
        if move.from_id == move.to_id:
            raise BusinessRuleViolation(_("转出和转入账户不能相同。"), status_code=400)


def _rows_source(moves: Sequence[Move]) -> tuple[str, list]:
    return json_rows(
        "moves",
        {
            "from_account_id": "bigint",
            "to_account_id": "bigint",
            "amount_fen": "bigint",
            "kind": "text",
            "period": "text",
            "reference": "text",
            "idempotency_key": "text",
        },
        [
            {
                "from_account_id": m.from_id,
                "to_account_id": m.to_id,
                "amount_fen": m.amount_fen,
                "kind": m.kind,
                "period": m.period,
                "reference": m.reference,
                "idempotency_key": m.idempotency_key,
            }
            for m in moves
        ],
    )


def _insert_sql(at: str) -> str:
    # SQLite needs the WHERE to read ON CONFLICT as the upsert clause.
    return (
        f"INSERT INTO accounts_posting ({_COLUMNS}, created_at) "
        f"SELECT {_COLUMNS}, {at} FROM source WHERE true "
        f"ON CONFLICT (idempotency_key) DO NOTHING RETURNING {_RETURNING}"
    )


# PostgreSQL: the postings, the locks and the balances in one statement. The deltas come from
# the rows inserted, so a repeated key moves nothing; the lock runs as an InitPlan, before any
# balance is updated.
_APPLY = """{source},
    inserted AS ({insert}),
    deltas AS (
        SELECT account_id AS id, SUM(delta) AS delta FROM (
            SELECT from_account_id AS account_id, -amount_fen AS delta FROM inserted
            UNION ALL SELECT to_account_id, amount_fen FROM inserted
        ) moved GROUP BY account_id
    ),
    locked AS ({lock}),
    applied AS (
        UPDATE accounts_ledgeraccount la SET balance_fen = la.balance_fen + d.delta
        FROM deltas d WHERE la.id = ANY(ARRAY(SELECT id FROM locked)) AND la.id = d.id
    )
    {result}"""
_TOTALS = "SELECT kind, COUNT(*), SUM(amount_fen) FROM inserted GROUP BY kind"


def _insert_and_apply(cursor, source: str, params, created_at, *, rows: bool) -> Posted:
    at = connection.ops.adapt_datetimefield_value(created_at)
    if isinstance(params, dict):
        params, placeholder = {**params, "posted_at": at}, "%(posted_at)s"
    else:
        params, placeholder = [*params, at], "%s"
    if connection.vendor == "postgresql":
        cursor.execute(
            _APPLY.format(
                source=source,
                insert=_insert_sql(placeholder),
                lock=ledger_accounts_lock_sql("SELECT id FROM deltas"),
                result=f"SELECT {_RETURNING} FROM inserted" if rows else _TOTALS,
            ),
            params,
        )
        fetched = cursor.fetchall()
        if rows:
            return Posted(by_kind=_totals(fetched), rows=fetched)
        return Posted(by_kind={kind: (count, int(fen)) for kind, count, fen in fetched})
    cursor.execute(f"{source} {_insert_sql(placeholder)}", params)
    fetched = cursor.fetchall()
    net: dict[int, int] = defaultdict(int)
    for _pk, from_id, to_id, amount_fen, _kind, _key in fetched:
        net[from_id] -= amount_fen
        net[to_id] += amount_fen
    if net:
        cursor.executemany(
            "UPDATE accounts_ledgeraccount SET balance_fen = balance_fen + %s WHERE id = %s",
            [(net[i], i) for i in sorted(net)],
        )
    return Posted(by_kind=_totals(fetched), rows=fetched if rows else [])


def _totals(rows) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for _pk, _from, _to, amount_fen, kind, _key in rows:
        count, fen = totals.get(kind, (0, 0))
        totals[kind] = (count + 1, fen + amount_fen)
    return totals


def _refusal(exc: IntegrityError) -> Exception:
    """The refusal a CHECK of the ledger stands for; anything else stays what it is."""
    text = str(exc)
    if "ledger_account_balance_not_negative" in text:
        return InsufficientBalance(
            _("余额不足：这批记账会使账户余额为负数，整批未记账。"), field="amount"
        )
    if "posting_amount_positive" in text:
        return BusinessRuleViolation(_("金额必须大于0。"), field="amount", status_code=400)
    if "posting_between_two_accounts" in text:
        return BusinessRuleViolation(_("转出和转入账户不能相同。"), status_code=400)
    return exc
