"""Small SQL building blocks the set-based services share (PostgreSQL and SQLite)."""

import datetime as dt
import json

from django.db import connection


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


def aware(value: dt.datetime | str | None) -> dt.datetime | None:
    """A timestamp read by a raw query: aware on PostgreSQL, naive UTC on SQLite (text when
    it comes out of a compound SELECT)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
