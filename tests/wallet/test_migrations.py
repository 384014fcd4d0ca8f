"""The wallet's old audit rows (WalletEvent) move into the core audit (AuditEvent) whole: who,
what, before, after and when."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import AuditEvent
from tests.factories import StaffUserFactory
from tests.wallet.factories import insured_person

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MOVE = "walletevent_into_core_auditevent"


def _move_and_before(executor) -> tuple[tuple, tuple]:
    """The migration that moves the rows (found by name: merges renumber it) and its parent."""
    move = next(
        key for key in executor.loader.graph.nodes if key[0] == "wallet" and key[1].endswith(MOVE)
    )
    before = next(p for p in executor.loader.graph.node_map[move].parents if p[0] == "wallet")
    return move, before.key


def test_wallet_events_become_core_audit_events_with_their_actor_and_time():
    executor = MigrationExecutor(connection)
    move, before = _move_and_before(executor)
    person, staff = insured_person(), StaffUserFactory(username="jingban1")
    try:
        # given: the rows the wallet wrote before the move
        executor.migrate([before])
        old = executor.loader.project_state([before]).apps
        WalletEvent = old.get_model("wallet", "WalletEvent")
        when = dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)
        WalletEvent.objects.bulk_create(
            [
                WalletEvent(
                    actor_id=person.pk,
                    action="transfer_sent",
                    object_type="WalletTransfer",
                    object_id=7,
                    before="AWAITING_CODE",
                    after="SENT",
                ),
                WalletEvent(
                    actor_label=f"staff:{staff.username}",
                    action="binding_confirm",
                    object_type="FamilyBinding",
                    object_id=8,
                    before="PENDING",
                    after="CONFIRMED",
                    detail="经办机构审核通过监护关系",
                ),
                WalletEvent(
                    actor_label="system",
                    action="transfer_returned",
                    object_type="WalletTransfer",
                    object_id=9,
                    before="SENT",
                    after="RETURNED",
                    detail="超过接收期限未接收，自动退回",
                ),
            ]
        )
        WalletEvent.objects.update(created_at=when)
        # when
        executor = MigrationExecutor(connection)
        executor.migrate([move])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    # then
    moved = {
        event.object_id: event
        for event in AuditEvent.objects.filter(object_type__startswith="wallet.")
    }
    sent, confirmed, returned = moved[7], moved[8], moved[9]
    assert (sent.object_type, sent.actor_id, sent.before, sent.after) == (
        "wallet.wallettransfer",
        person.user_id,
        {"status": "AWAITING_CODE"},
        {"status": "SENT", "actor_person": person.pk},
    )
    assert (confirmed.object_type, confirmed.actor_id, confirmed.reason) == (
        "wallet.familybinding",
        staff.pk,
        "经办机构审核通过监护关系",
    )
    assert returned.actor_id is None and returned.after["actor_label"] == "system"
    assert {event.created_at for event in moved.values()} == {when}
    assert "wallet_walletevent" not in connection.introspection.table_names()
