# ruff: noqa: S608 -- SQL composed of constant fragments; every value is a query parameter.
"""Reads for statements (账户明细): the postings of a set of ledger accounts seen from their
owner's side, each with its business name, counterparty, purpose and the balance after it.

A page costs the same however many postings the accounts hold: per account and direction an
index scan ((to|from)_account, created_at, id) stops after one page, older pages continue from a
cursor (no COUNT), and the balance after each row is counted back from the balance now.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, F, Q, Sum, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .hooks import posting_details
from .identity import mask_name
from .models import InsuredPerson, LedgerAccount, Posting, PostingKind, fen_to_yuan
from .selectors import period_text

PAGE_SIZE = 20
Kind = LedgerAccount.Kind
PERSONAL_PARTS = (Kind.PERSON_CURRENT, Kind.PERSON_CARRIED)
_SIDES = ("from_account", "to_account")
_ACCOUNT_FIELDS = ("kind", "code", "person__name", "region__name", "employer__name")
_EXTERNAL = {"BANK": gettext_lazy("银行"), "TAX": gettext_lazy("税务")}


@dataclass(frozen=True)
class StatementPage:
    rows: list[dict]
    balance_fen: int
    older: str  # the cursor of the next (older) page, "" on the last one
    first: bool  # the newest page


def personal_statement_accounts(*, person: InsuredPerson) -> tuple[set[int], int]:
    """The person's personal-account parts (当年 and 历年, every region, closed ones too: their
    history adds up) and their balance now. The wallet has its own statement."""
    parts = LedgerAccount.objects.filter(person=person, kind__in=PERSONAL_PARTS).values_list(
        "pk", "balance_fen"
    )
    parts = list(parts)
    return {pk for pk, _balance in parts}, sum(balance for _pk, balance in parts)


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


def _page_ids(account_ids: list[int], cursor, limit: int) -> RawSQL:
    """The newest `limit` posting ids per account and direction before the cursor: each an index
    range scan that stops after `limit` rows."""
    older, params = "", []
    if cursor is not None:
        older = "AND (created_at < %s OR (created_at = %s AND id < %s))"
        at = connection.ops.adapt_datetimefield_value(cursor[0])
        params = [at, at, cursor[1]]
    scans, all_params = [], []
    for n, (account_id, column) in enumerate(
        (a, c) for a in account_ids for c in ("to_account_id", "from_account_id")
    ):
        scans.append(
            f"SELECT id FROM (SELECT id FROM accounts_posting WHERE {column} = %s {older} "
            f"ORDER BY created_at DESC, id DESC LIMIT %s) AS scan{n}"
        )
        all_params += [account_id, *params, limit]
    return RawSQL(" UNION ".join(scans), all_params)  # noqa: S611 -- values are parameters


def _newer_delta(account_ids: set[int], cursor) -> int:
    """What the postings from the cursor's (the last row shown) on changed the accounts by:
    the balance now less this is the balance after the page's first row. 0 on the newest."""
    if cursor is None:
        return 0
    at, pk = cursor
    into, out = Q(to_account_id__in=account_ids), Q(from_account_id__in=account_ids)
    delta = Case(
        When(into & ~out, then=F("amount_fen")),
        When(out & ~into, then=-F("amount_fen")),
        default=0,
    )
    newer = Posting.objects.filter(into | out).filter(
        Q(created_at__gt=at) | Q(created_at=at, pk__gte=pk)
    )
    return newer.aggregate(total=Sum(delta))["total"] or 0


def _account_label(account: dict) -> str:
    kind, region = account["kind"], account["region__name"] or ""
    if kind == Kind.REGION_FUND:
        return _("%(region)s统筹基金") % {"region": region}
    if kind == Kind.EXTERNAL:
        return str(_EXTERNAL.get(account["code"], account["code"]))
    if kind == Kind.EMPLOYER_PENDING:
        return _("单位：%(name)s") % {"name": account["employer__name"] or ""}
    if kind in (Kind.WALLET, Kind.WALLET_HOLDING):
        return _("家庭成员 %(name)s") % {"name": mask_name(account["person__name"] or "")}
    if kind == Kind.TRANSFER_TRANSIT:
        return _("转移接续（%(region)s）") % {"region": region}
    label = Kind(kind).label
    return f"{label}（{region}）" if region else str(label)


def _yuan(fen: int) -> str:
    return f"{fen_to_yuan(fen):,}"


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
    purpose, signed amount (money out of these accounts is negative) and the balance after."""
    cursor = cursor_parse(before)
    if not account_ids:
        return StatementPage([], balance_fen, "", True)
    fields = [f"{side}__{field}" for side in _SIDES for field in _ACCOUNT_FIELDS]
    found = list(
        Posting.objects.filter(pk__in=_page_ids(sorted(account_ids), cursor, size + 1))
        .order_by("-created_at", "-pk")
        .values(
            "pk",
            "created_at",
            "kind",
            "period",
            "reference",
            "amount_fen",
            "from_account_id",
            "to_account_id",
            *fields,
        )[: size + 1]
    )
    more, found = len(found) > size, found[:size]
    details = posting_details(
        references={p["reference"] for p in found if p["reference"]}, viewer_id=viewer_id
    )
    running = balance_fen - _newer_delta(account_ids, cursor)
    rows = []
    for posting in found:
        rows.append(_row(posting, account_ids, running, details.get(posting["reference"], {})))
        running -= rows[-1]["delta_fen"]
    older = _cursor(found[-1]["created_at"], found[-1]["pk"]) if more else ""
    return StatementPage(rows, balance_fen, older, cursor is None)


def _row(posting: dict, account_ids: set[int], balance_after: int, detail: dict) -> dict:
    amount = posting["amount_fen"]
    into = posting["to_account_id"] in account_ids
    out = posting["from_account_id"] in account_ids
    source, target = ({f: posting[f"{side}__{f}"] for f in _ACCOUNT_FIELDS} for side in _SIDES)
    if into and out:  # between the owner's own parts: the balance stays
        direction, delta, signed = "move", 0, _yuan(amount)
        counterparty = f"{_account_label(source)} → {_account_label(target)}"
    else:
        direction, delta = ("in", amount) if into else ("out", -amount)
        signed = f"+{_yuan(amount)}" if into else f"−{_yuan(amount)}"
        counterparty = detail.get("counterparty") or _account_label(source if into else target)
    purpose = " · ".join(
        part for part in (period_text(posting["period"]), detail.get("purpose", "")) if part
    )
    return {
        "id": posting["pk"],
        "created_at": posting["created_at"],
        "when": timezone.localtime(posting["created_at"]).strftime("%Y-%m-%d %H:%M"),
        "kind": posting["kind"],
        "name": PostingKind.name_of(posting["kind"]),
        "counterparty": counterparty,
        "purpose": purpose,
        "direction": direction,
        "delta_fen": delta,
        "amount": signed,
        "balance_fen": balance_after,
        "balance": _yuan(balance_after),
    }
