"""Small SQL building blocks the set-based services and the hot pages' reads share
(PostgreSQL and SQLite)."""

import datetime as dt
import json

from django.db import connection
from django.utils import timezone


def json_rows(name: str, columns: dict[str, str], rows: list[dict]) -> tuple[str, list]:
    """A CTE `name` over `rows`, sent as one JSON parameter: thousands of placeholders cost
    more to compose than the statement costs to run. `columns` maps names to SQL types."""
    if connection.vendor == "postgresql":
        typed = ", ".join(f"{column} {kind}" for column, kind in columns.items())
        sql = f"{name} AS (SELECT * FROM jsonb_to_recordset(CAST(%s AS jsonb)) AS r ({typed}))"
    else:
        picked = ", ".join(f"json_extract(value, '$.{column}') AS {column}" for column in columns)
        sql = f"{name} AS (SELECT {picked} FROM json_each(%s))"
    return sql, [json.dumps(rows, ensure_ascii=False)]


def placeholders(count: int) -> str:
    """`%s, %s, …` for an IN list of `count` values."""
    return ", ".join(["%s"] * count)


def select(sql: str, params) -> list[tuple]:
    """Every row of a read, as tuples: a page's hot reads skip the ORM, whose compiling costs
    several times what the database takes to answer."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def aware(value) -> dt.datetime | None:
    """A timestamp read by raw SQL (SQLite answers naive UTC text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, dt.UTC)
    return value


def day(value) -> dt.date | None:
    """A date read by raw SQL (SQLite answers text)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
