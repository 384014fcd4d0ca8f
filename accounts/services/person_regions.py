"""Where a person is known: the apps that enroll or move a person tell the core here, and the
core's admin scopes persons by it (it knows no other app)."""

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from accounts.models import InsuredPerson, PersonRegion, Region

_TABLE = PersonRegion._meta.db_table


def person_regions_link(*, pairs: Iterable[tuple[int, str]]) -> None:
    """Record every (person id, region code) not recorded yet. Call it in the transaction that
    puts the persons in the regions."""
    # In key order, so two transactions linking the same pairs wait rather than deadlock.
    rows = [
        PersonRegion(person_id=person_id, region_id=region_id)
        for person_id, region_id in sorted(set(pairs))
    ]
    PersonRegion.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def person_region_link(*, person: InsuredPerson, region: Region) -> None:
    """One person known in one region (idempotent)."""
    person_regions_link(pairs=[(person.pk, region.pk)])


def person_regions_link_from(*, pairs: QuerySet) -> int:
    """Set-based, in one statement: every pair a query yields, e.g.
    `Enrollment.objects.values_list("person_id", "region_id")`; returns how many were new."""
    select_sql, params = pairs.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            # SQLite needs a WHERE before an upsert clause.
            f"""INSERT INTO {_TABLE} (person_id, region_id)
                SELECT DISTINCT * FROM ({select_sql}) AS pairs WHERE TRUE ORDER BY 1, 2
                ON CONFLICT (person_id, region_id) DO NOTHING""",  # noqa: S608 -- a query's SQL
            params,
        )
        return cursor.rowcount
