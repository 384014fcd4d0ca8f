"""Reads for the core app."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .display import local_minute, yuan_text
from .errors import NotFound
from .models import (
    Contribution,
    Employer,
    InsuredPerson,
    LedgerAccount,
    Notification,
    PersonalAccount,
    Posting,
    PostingKind,
    RegionPolicyVersion,
)
from .sql import aware, day, placeholders, select


def policies_for_periods(
    pairs: Iterable[tuple[str, str]],
) -> dict[tuple[str, str], RegionPolicyVersion]:
    """The dated policy (rates, contribution band, retiree credit) in force for each
    (region code, period YYYYMM): the region's version with the greatest `valid_from_period`
    not after the period. One query for all pairs. Raises NotFound for a pair with none."""
    pairs = set(pairs)
    if not pairs:
        return {}
    versions: dict[str, list[RegionPolicyVersion]] = {}
    for version in RegionPolicyVersion.objects.filter(
        region_id__in={region for region, _period in pairs},
        valid_from_period__lte=max(period for _region, period in pairs),
    ).order_by("-valid_from_period"):
        versions.setdefault(version.region_id, []).append(version)
    found = {}
    for region, period in pairs:
        version = next((v for v in versions.get(region, []) if v.valid_from_period <= period), None)
        if version is None:
            raise NotFound(
                _("统筹区 %(region)s 没有适用于 %(period)s 的政策。")
                % {"region": region, "period": period},
                field="period",
                rule="no_policy_for_period",
            )
        found[(region, period)] = version
    return found


def policy_for_period(region_id: str, period: str) -> RegionPolicyVersion:
    """The region's dated policy in force in `period` (YYYYMM): see `policies_for_periods`."""
    return policies_for_periods([(region_id, period)])[(region_id, period)]


def ledger_discrepancies(*, limit: int = 100) -> list[tuple[int, int, int]]:
    """Accounts whose cached balance differs from the sum of their postings (set-based)."""
    sql = """
        WITH flows AS (
            SELECT to_account_id AS account_id, amount_fen FROM accounts_posting
            UNION ALL
            SELECT from_account_id, -amount_fen FROM accounts_posting
        ), computed AS (
            SELECT account_id, SUM(amount_fen) AS total FROM flows GROUP BY account_id
        )
        SELECT a.id, a.balance_fen, COALESCE(c.total, 0)
        FROM accounts_ledgeraccount a LEFT JOIN computed c ON c.account_id = a.id
        WHERE a.balance_fen <> COALESCE(c.total, 0)
        ORDER BY a.id
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [tuple(row) for row in cursor.fetchall()]


def ledger_totals() -> dict[str, int]:
    """Sum of all balances (zero in a double-entry ledger) and negative person-side balances."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COALESCE(SUM(balance_fen), 0),
                   COUNT(*) FILTER (WHERE balance_fen < 0 AND kind NOT IN ('REGION_FUND', 'EXTERNAL')),
                   COUNT(*)
            FROM accounts_ledgeraccount
            """
        )
        total, negative, accounts = cursor.fetchone()
    return {"sum_fen": int(total), "negative_accounts": int(negative), "accounts": int(accounts)}


@dataclass(frozen=True)
class AccountBalances:
    """A person's personal account(s) in figures: all regions together."""

    status: str
    status_reason: str
    current_year_fen: int
    carried_over_fen: int
    available_fen: int

    @property
    def balance_fen(self) -> int:
        return self.current_year_fen + self.carried_over_fen


@dataclass(frozen=True)
class PersonalParts:
    """A person's personal accounts, read once for the summary, the credits and the statement."""

    summary: AccountBalances | None  # of the accounts not closed; None when there is none
    ledger_ids: set[int]  # 当年 and 历年 of every account, closed ones too: their history adds up
    current_ids: list[int]  # where the monthly credits go
    balance_fen: int  # of every part: the statement's balance now


_PARTS = """
    SELECT pa.status, pa.status_reason, pa.current_id, cur.balance_fen, pa.carried_id,
           car.balance_fen
    FROM accounts_personalaccount pa
    JOIN accounts_ledgeraccount cur ON cur.id = pa.current_id
    JOIN accounts_ledgeraccount car ON car.id = pa.carried_id
    WHERE pa.person_id = %s
    ORDER BY pa.id
"""


def personal_account_parts(*, person_id: int) -> PersonalParts:
    """The person's personal accounts and their balances in one query (raw: the ORM takes
    longer to compose it than the database to answer)."""
    rows = select(_PARTS, [person_id])
    kept = [
        (row[0], row[1], row[3], row[5]) for row in rows if row[0] != PersonalAccount.Status.CLOSED
    ]
    return PersonalParts(
        summary=AccountBalances(*_balances(kept)) if kept else None,
        ledger_ids={row[2] for row in rows} | {row[4] for row in rows},
        current_ids=[row[2] for row in rows],
        balance_fen=sum(row[3] + row[5] for row in rows),
    )


def _balances(rows: list[tuple[str, str, int, int]]) -> tuple[str, str, int, int, int]:
    """(status, reason, current, carried, available) of (status, reason, current, carried) per
    account: the status the first of Status's order any account has, with that one's reason;
    only active accounts' money is available."""
    statuses = {row[0] for row in rows}
    status = next(s for s in PersonalAccount.Status.values if s in statuses)
    reason = next(row[1] for row in rows if row[0] == status)
    available = sum(row[2] + row[3] for row in rows if row[0] == PersonalAccount.Status.ACTIVE)
    return status, reason, sum(row[2] for row in rows), sum(row[3] for row in rows), available


def account_summary(*, person: InsuredPerson) -> AccountBalances | None:
    """None when the person has no personal account (居民医保 has none)."""
    return personal_account_parts(person_id=person.pk).summary


@dataclass(frozen=True)
class PersonHome:
    """A signed-in person's own rows their home page shows, read together."""

    person: InsuredPerson  # name, national id, phone, birth date; the rest loads on first use
    balances: AccountBalances | None  # `account_summary`'s figures; None without an account
    token_created: dt.datetime | None  # when their API token was made; None without one


_PERSON_FIELDS = ["id", "national_id", "name", "phone", "birth_date"]


def person_home(*, user_id: int) -> PersonHome | None:
    """The person signed in as this user, with their accounts' balances and their API token's
    creation, or None; one query (a row per personal account that is not closed)."""
    rows = select(
        """SELECT p.id, p.national_id, p.name, p.phone, p.birth_date, t.created,
                  a.status, a.status_reason, c.balance_fen, k.balance_fen
           FROM accounts_insuredperson p
           LEFT JOIN authtoken_token t ON t.user_id = p.user_id
           LEFT JOIN accounts_personalaccount a ON a.person_id = p.id AND a.status <> %s
           LEFT JOIN accounts_ledgeraccount c ON c.id = a.current_id
           LEFT JOIN accounts_ledgeraccount k ON k.id = a.carried_id
           WHERE p.user_id = %s
           ORDER BY a.id""",
        [PersonalAccount.Status.CLOSED.value, user_id],
    )
    if not rows:
        return None
    pk, national_id, name, phone, birth_date, token_created = rows[0][:6]
    accounts = [row[6:] for row in rows if row[6] is not None]
    return PersonHome(
        person=InsuredPerson.from_db(
            connection.alias, _PERSON_FIELDS, (pk, national_id, name, phone, day(birth_date))
        ),
        balances=AccountBalances(*_balances(accounts)) if accounts else None,
        token_created=aware(token_created),
    )


def person_ledger_account_ids(*, person: InsuredPerson) -> list[int]:
    return list(LedgerAccount.objects.filter(person=person).values_list("pk", flat=True))


def credits_for_person(*, person: InsuredPerson, year: int) -> QuerySet[Posting]:
    """每月划入 of one year, by period."""
    return Posting.objects.filter(
        to_account__in=LedgerAccount.objects.filter(
            person=person, kind=LedgerAccount.Kind.PERSON_CURRENT
        ),
        kind__startswith="CREDIT_",
        period__startswith=str(year),
    ).order_by("period")


# A year's credits, then a row per year with any (marked by an empty kind).
_CREDITS = """
    SELECT period, kind, amount_fen, created_at, id FROM accounts_posting
    WHERE to_account_id IN ({ids}) AND SUBSTR(kind, 1, 7) = 'CREDIT_'
      AND period BETWEEN %s AND %s
    UNION ALL
    SELECT SUBSTR(period, 1, 4), '', 0, MIN(created_at), MIN(id) FROM accounts_posting
    WHERE to_account_id IN ({ids}) AND SUBSTR(kind, 1, 7) = 'CREDIT_'
    GROUP BY SUBSTR(period, 1, 4)
    ORDER BY 1, 4, 5
"""


def credit_history(*, current_ids: list[int], year: int) -> tuple[list[dict], list[int]]:
    """每月划入 of one year by period (then as posted), and every year with a credit, newest
    first: one query."""
    if not current_ids:
        return [], []
    with connection.cursor() as cursor:
        cursor.execute(
            _CREDITS.format(ids=placeholders(len(current_ids))),
            [*current_ids, f"{year}01", f"{year}12", *current_ids],
        )
        rows = cursor.fetchall()
    found = [
        {"period": period, "kind": kind, "amount_fen": fen, "created_at": aware(at)}
        for period, kind, fen, at, _id in rows
        if kind
    ]
    years = sorted((int(period) for period, kind, *_rest in rows if not kind), reverse=True)
    return found, years


def contributions_for_person(*, person: InsuredPerson, year: int) -> QuerySet[Contribution]:
    return (
        Contribution.objects.filter(person=person, period__startswith=str(year))
        .select_related("region")
        .order_by("-period", "region_id")
    )


def postings_for_accounts(*, account_ids: set[int]) -> QuerySet[Posting]:
    """Every posting in or out of these ledger accounts (one person's), newest first."""
    return (
        Posting.objects.filter(
            Q(from_account_id__in=account_ids) | Q(to_account_id__in=account_ids)
        )
        .select_related("from_account", "to_account")
        .order_by("-created_at", "-pk")
    )


# The chart's geometry in SVG units: a row per month, the bar between the month and its value.
# At 14 units the labels render at 13 px or more on a 390 px phone (the SVG spans ~340 px).
CHART_ROW = 26
CHART_BAR_X = 44
CHART_BAR_MAX = 196
CHART_WIDTH = 360


def monthly_credit_chart(*, credits: list[dict], year: int) -> dict:
    """A bar per month, each labelled with its amount in yuan: the bars' geometry and texts are
    computed here so the template only places them."""
    by_month = dict.fromkeys(range(1, 13), 0)
    for credit in credits:
        by_month[int(credit["period"][4:])] += credit["amount_fen"]
    largest = max(by_month.values()) or 1
    month_label = _("%(month)d月")
    bars = []
    for month, fen in by_month.items():
        width = round(CHART_BAR_MAX * fen / largest) if fen else 2
        top = (month - 1) * CHART_ROW
        bars.append(
            {
                "month": month,
                "period": f"{year}{month:02d}",
                "amount_fen": fen,
                "month_label": month_label % {"month": month},
                "value": yuan_text(fen),
                "bar_y": top + 6,
                "text_y": top + 19,
                "width": width,
                "value_x": CHART_BAR_X + width + 6,
            }
        )
    return {"bars": bars, "width": CHART_WIDTH, "height": 12 * CHART_ROW + 4, "bar_x": CHART_BAR_X}


def credit_rows(credits: list[dict]) -> list[dict]:
    """每月划入 (credit_history's) as plain strings for the table beside the chart."""
    names: dict[str, str] = {}
    words, tz = period_words(), timezone.get_current_timezone()
    return [
        {
            "period": period_text(c["period"], words=words),
            "kind": names.get(c["kind"])
            or names.setdefault(c["kind"], PostingKind.name_of(c["kind"])),
            "amount": yuan_text(c["amount_fen"]),
            "credited": c["created_at"].astimezone(tz).strftime("%Y-%m-%d"),
        }
        for c in credits
    ]


_CONTRIBUTIONS = """
    SELECT c.period, r.name, c.base_fen, c.employer_share_fen, c.individual_share_fen, c.paid_at
    FROM accounts_contribution c
    JOIN accounts_region r ON r.code = c.region_id
    WHERE c.person_id = %s AND c.period BETWEEN %s AND %s
    ORDER BY c.period DESC, c.region_id
"""


def contribution_rows(*, person_id: int, year: int) -> list[dict]:
    """缴费记录 of one year as plain strings, newest period first (one raw query)."""
    with connection.cursor() as cursor:
        cursor.execute(_CONTRIBUTIONS, [person_id, f"{year}01", f"{year}12"])
        rows = cursor.fetchall()
    unpaid, words, tz = _("未到账"), period_words(), timezone.get_current_timezone()
    return [
        {
            "period": period_text(period, words=words),
            "region": region,
            "base": yuan_text(base),
            "employer_share": yuan_text(employer),
            "individual_share": yuan_text(individual),
            "paid": aware(paid).astimezone(tz).strftime("%Y-%m-%d") if paid else unpaid,
        }
        for period, region, base, employer, individual, paid in rows
    ]


def period_words() -> str:
    """period_text's pattern, translated: looked up once for a page of periods (the lookup
    costs more than the formatting)."""
    return _("%(year)s年%(month)d月")


def period_text(period: str, *, words: str = "") -> str:
    """202603 → 2026年3月 (a period in words for persons); none → "". `words`: period_words()."""
    if not period:
        return ""
    return (words or period_words()) % {"year": period[:4], "month": int(period[4:])}


def notification_owner_filter(*, owner: InsuredPerson | Employer) -> dict:
    """A person's or an employer's notifications, as filter keyword arguments."""
    return {"person": owner} if isinstance(owner, InsuredPerson) else {"employer": owner}


def notifications_for(
    *, owner: InsuredPerson | Employer, unread_only: bool = False
) -> QuerySet[Notification]:
    """The notices shown on the owner's portal (codes never are), newest first."""
    notifications = Notification.objects.filter(**notification_owner_filter(owner=owner)).exclude(
        kind__in=Notification.SMS_ONLY
    )
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-pk")


def _notification_row(pk: int, kind: str, text: str, link: str, created_at, read: bool) -> dict:
    """One notice in plain strings for `accounts/_notification_list.html`: its time and mark-read
    address come formatted, so the template only places them."""
    created = timezone.localtime(created_at)
    return {
        "id": pk,
        "kind": kind,
        "kind_label": str(Notification.Kind(kind).label),
        "text": text,
        "short_text": Truncator(text).chars(20),
        "link": link,
        "created_at": created_at,
        "created_iso": created.isoformat(),
        "created_text": local_minute(created_at),
        "read": read,
        "read_url": reverse("notification-read", args=[pk]),
    }


def notification_rows(notifications) -> list[dict]:
    """Plain values for a page: id, kind (and its label), text, link, when, read."""
    return [
        _notification_row(n.pk, n.kind, n.text, n.link, n.created_at, n.read_at is not None)
        for n in notifications
    ]


_SMS_ONLY = sorted(Notification.SMS_ONLY)


def unread_notifications(*, owner: InsuredPerson | Employer, limit: int = 5) -> dict:
    """For the home page: how many notices are unread and the newest `limit` of them (one
    query, however many there are: the count is a window over all unread rows)."""
    column = "person_id" if isinstance(owner, InsuredPerson) else "employer_id"
    rows = select(
        f"""SELECT id, kind, text, link, created_at, COUNT(*) OVER ()
            FROM accounts_notification
            WHERE {column} = %s AND read_at IS NULL
              AND kind NOT IN ({", ".join(["%s"] * len(_SMS_ONLY))})
            ORDER BY created_at DESC, id DESC
            LIMIT %s""",  # noqa: S608 — constant SQL, placeholders only
        [owner.pk, *_SMS_ONLY, limit],
    )
    return {
        "count": rows[0][5] if rows else 0,
        "items": [
            _notification_row(pk, kind, text, link, aware(created_at), False)
            for pk, kind, text, link, created_at, _count in rows
        ],
    }
