# ruff: noqa: S608 -- SQL composed of constant fragments; every value is a query parameter.
"""Reads for statements (账户明细): the postings of a set of ledger accounts seen from their
owner's side, each with its business name, counterparty, purpose and the balance after it.

A page costs the same however many postings the accounts hold: per account and direction an
index scan ((to|from)_account, created_at, id) stops after one page, older pages continue from a
cursor (no COUNT), and the balance after each row is counted back from the balance now.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .display import yuan_text
from .hooks import posting_details
from .identity import mask_name
from .models import LedgerAccount, PostingKind
from .selectors import period_text, period_words
from .sql import aware, placeholders

PAGE_SIZE = 20
Kind = LedgerAccount.Kind
_EXTERNAL = {"BANK": gettext_lazy("银行"), "TAX": gettext_lazy("税务")}


@dataclass(frozen=True)
class StatementPage:
    rows: list[dict]
    balance_fen: int
    older: str  # the cursor of the next (older) page, "" on the last one
    first: bool  # the newest page


def cursor_parse(value: str | None) -> tuple[dt.datetime, int] | None:
    """`<microseconds since 1970>-<posting id>` from a 更早 link; anything else: the newest."""
    try:
        micros, pk = (int(part) for part in (value or "").split("-"))
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros), pk
    except (ValueError, OverflowError):
        return None


def _cursor(created_at: dt.datetime, pk: int) -> str:
    since = created_at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    micros = (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds
    return f"{micros}-{pk}"


def _before(cursor) -> tuple[str, list]:
    """The condition and parameters of the postings older than the cursor ("" for none)."""
    if cursor is None:
        return "", []
    at = connection.ops.adapt_datetimefield_value(cursor[0])
    return "AND (created_at < %s OR (created_at = %s AND id < %s))", [at, at, cursor[1]]


_COLUMNS = "id, created_at, kind, period, reference, amount_fen, from_account_id, to_account_id"


def _page_scans(account_ids: list[int], cursor, limit: int) -> tuple[str, list]:
    """The newest `limit` postings per account and direction before the cursor: each an index
    range scan that stops after `limit` rows (UNION drops a move seen from both sides)."""
    older, params = _before(cursor)
    scans, all_params = [], []
    for n, (account_id, column) in enumerate(
        (a, c) for a in account_ids for c in ("to_account_id", "from_account_id")
    ):
        scans.append(
            f"SELECT * FROM (SELECT {_COLUMNS} FROM accounts_posting WHERE {column} = %s "
            f"{older} ORDER BY created_at DESC, id DESC LIMIT %s) AS scan{n}"
        )
        all_params += [account_id, *params, limit]
    return " UNION ".join(scans), all_params


def _newer_delta(account_ids: list[int], cursor) -> int:
    """What the postings from the cursor's (the last row shown) on changed the accounts by:
    the balance now less this is the balance after the page's first row. 0 on the newest.
    Money in less money out; a move between two of the accounts counts both ways and nets 0."""
    if cursor is None:
        return 0
    at = connection.ops.adapt_datetimefield_value(cursor[0])
    newer = "AND (created_at > %s OR (created_at = %s AND id >= %s))"
    ids = placeholders(len(account_ids))
    sql = (
        f"SELECT (SELECT COALESCE(SUM(amount_fen), 0) FROM accounts_posting "
        f"WHERE to_account_id IN ({ids}) {newer}) - "
        f"(SELECT COALESCE(SUM(amount_fen), 0) FROM accounts_posting "
        f"WHERE from_account_id IN ({ids}) {newer})"
    )
    params = [*account_ids, at, at, cursor[1]]
    with connection.cursor() as db:
        db.execute(sql, params + params)
        return db.fetchone()[0]


# A page of postings, each with both accounts' labels (kind, code, person's, region's and
# employer's name): the page is cut from the scans first, so only its rows are joined.
_POSTINGS = """
    SELECT p.id, p.created_at, p.kind, p.period, p.reference, p.amount_fen,
           p.from_account_id, p.to_account_id,
           f.kind, f.code, fp.name, fr.name, fe.name,
           t.kind, t.code, tp.name, tr.name, te.name
    FROM ({scans} ORDER BY created_at DESC, id DESC LIMIT %s) AS p
    JOIN accounts_ledgeraccount f ON f.id = p.from_account_id
    LEFT JOIN accounts_insuredperson fp ON fp.id = f.person_id
    LEFT JOIN accounts_region fr ON fr.code = f.region_id
    LEFT JOIN accounts_employer fe ON fe.id = f.employer_id
    JOIN accounts_ledgeraccount t ON t.id = p.to_account_id
    LEFT JOIN accounts_insuredperson tp ON tp.id = t.person_id
    LEFT JOIN accounts_region tr ON tr.code = t.region_id
    LEFT JOIN accounts_employer te ON te.id = t.employer_id
    ORDER BY p.created_at DESC, p.id DESC
"""


def _account_label(kind: str, code: str, person: str | None, region: str | None, employer) -> str:
    region = region or ""
    if kind == Kind.REGION_FUND:
        return _("%(region)s统筹基金") % {"region": region}
    if kind == Kind.EXTERNAL:
        return str(_EXTERNAL.get(code, code))
    if kind == Kind.EMPLOYER_PENDING:
        return _("单位：%(name)s") % {"name": employer or ""}
    if kind in (Kind.WALLET, Kind.WALLET_HOLDING):
        return _("家庭成员 %(name)s") % {"name": mask_name(person or "")}
    if kind == Kind.TRANSFER_TRANSIT:
        return _("转移接续（%(region)s）") % {"region": region}
    label = Kind(kind).label
    return f"{label}（{region}）" if region else str(label)


def statement_page(
    *,
    account_ids: set[int],
    balance_fen: int,
    viewer_id: int | None = None,
    before: str | None = None,
    size: int = PAGE_SIZE,
) -> StatementPage:
    """One page of the statement of `account_ids` (one owner's, `balance_fen` their balance
    now), newest first. Rows are plain strings for a page or an API: time, name, counterparty,
    purpose, signed amount (money out of these accounts is negative) and the balance after.
    One query for the page (raw: composing it in the ORM cost more than running it), one more
    on an older page for what changed since."""
    cursor = cursor_parse(before)
    if not account_ids:
        return StatementPage([], balance_fen, "", True)
    ids = sorted(account_ids)
    scans, params = _page_scans(ids, cursor, size + 1)
    with connection.cursor() as db:
        db.execute(_POSTINGS.format(scans=scans), [*params, size + 1])
        found = db.fetchall()
    more, found = len(found) > size, found[:size]
    details = posting_details(references={p[4] for p in found if p[4]}, viewer_id=viewer_id)
    running = balance_fen - _newer_delta(ids, cursor)
    page = _PageWords(period_words(), timezone.get_current_timezone())
    rows = []
    for posting in found:
        row = _row(posting, account_ids, running, details.get(posting[4], {}), page)
        rows.append(row)
        running -= row["delta_fen"]
    older = _cursor(rows[-1]["created_at"], rows[-1]["id"]) if more else ""
    return StatementPage(rows, balance_fen, older, cursor is None)


@dataclass
class _PageWords:
    """What a page looks up once however many rows show it (translations cost more than
    formatting): the period pattern, the time zone, business names and account labels."""

    period: str
    tz: dt.tzinfo
    names: dict[str, str] = field(default_factory=dict)
    labels: dict[tuple, str] = field(default_factory=dict)

    def name(self, kind: str) -> str:
        if kind not in self.names:
            self.names[kind] = PostingKind.name_of(kind)
        return self.names[kind]

    def label(self, account: tuple) -> str:
        if account not in self.labels:
            self.labels[account] = _account_label(*account)
        return self.labels[account]


def _row(posting: tuple, account_ids: set[int], balance_after: int, detail: dict, page) -> dict:
    pk, created_at, kind, period, _reference, amount, from_id, to_id = posting[:8]
    source, target = posting[8:13], posting[13:18]
    into, out = to_id in account_ids, from_id in account_ids
    if into and out:  # between the owner's own parts: the balance stays
        direction, delta, signed = "move", 0, yuan_text(amount)
        counterparty = f"{page.label(source)} → {page.label(target)}"
    else:
        direction, delta = ("in", amount) if into else ("out", -amount)
        signed = f"+{yuan_text(amount)}" if into else f"−{yuan_text(amount)}"
        counterparty = detail.get("counterparty") or page.label(source if into else target)
    purpose = " · ".join(
        part for part in (period_text(period, words=page.period), detail.get("purpose")) if part
    )
    created_at = aware(created_at)
    return {
        "id": pk,
        "created_at": created_at,
        "when": created_at.astimezone(page.tz).strftime("%Y-%m-%d %H:%M"),
        "kind": kind,
        "name": page.name(kind),
        "counterparty": counterparty,
        "purpose": purpose,
        "direction": direction,
        "delta_fen": delta,
        "amount": signed,
        "balance_fen": balance_after,
        "balance": yuan_text(balance_after),
    }
