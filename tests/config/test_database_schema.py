"""The migrated database holds every constraint and index the models declare.

Django's AlterField can drop a single-column index it did not create (it did so to the
partial unique index that allows one wallet transfer awaiting acceptance): this catches it.
"""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_every_declared_constraint_and_index_exists():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT conname FROM pg_constraint")
        names |= {row[0] for row in cursor.fetchall()}
    missing = [
        f"{model._meta.label}.{declared.name}"
        for model in apps.get_models()
        for declared in [*model._meta.constraints, *model._meta.indexes]
        if declared.name not in names
    ]
    assert missing == []
