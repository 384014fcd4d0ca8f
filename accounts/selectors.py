"""Reads for the core app."""

from django.db import connection
from django.db.models import QuerySet

from .models import Region, User


def staff_regions(*, user: User) -> QuerySet[Region]:
    if user.is_superuser:
        return Region.objects.all()
    return user.regions.all()


def scope_to_staff_regions(*, queryset: QuerySet, user: User, region_path: str) -> QuerySet:
    """Rows whose region (reached through `region_path`) is one the staff user works for."""
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{region_path}__in": user.regions.all()})


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
