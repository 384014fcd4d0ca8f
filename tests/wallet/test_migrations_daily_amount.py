"""Days counted before the daily total existed keep what they sent: the migration that adds the
total gives each such row a limit of what went, so the new CHECK holds for old rows."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.wallet.factories import insured_person
from wallet.models import WalletDailyUsage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ADD = "daily_usage_max_amount"


def test_a_day_already_counted_keeps_its_total_under_the_new_check():
    executor = MigrationExecutor(connection)
    add = next(
        key for key in executor.loader.graph.nodes if key[0] == "wallet" and key[1].endswith(ADD)
    )
    before = next(p for p in executor.loader.graph.node_map[add].parents if p[0] == "wallet").key
    person = insured_person()
    try:
        # given: a day that moved 1,500.00 before the migration
        executor.migrate([before])
        old = executor.loader.project_state([before]).apps
        old.get_model("wallet", "WalletDailyUsage").objects.create(
            sender_id=person.pk,
            day=dt.date(2025, 3, 9),
            transfers=2,
            max_transfers=3,
            amount_fen=150_000,
        )
        # when
        executor = MigrationExecutor(connection)
        executor.migrate([add])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    # then: the row is kept, its limit what went that day
    usage = WalletDailyUsage.objects.get(sender=person)
    assert (usage.amount_fen, usage.max_amount_fen) == (150_000, 150_000)
