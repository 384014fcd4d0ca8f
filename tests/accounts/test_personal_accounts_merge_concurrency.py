"""Real transactions on PostgreSQL: the same merges started twice at once move money once."""

import io

import pytest
from django.core.management import call_command

from accounts.models import Posting
from accounts.services.personal_accounts import AccountMerge, personal_accounts_merge_many
from tests.concurrency import run_in_threads
from tests.enrollment.factories import account_with_money, balances
from tests.factories import InsuredPersonFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_merges_of_the_same_pairs_at_once_move_the_money_once():
    # given: ten persons with two records each, money on both
    pairs = []
    for n in range(10):
        person = InsuredPersonFactory()
        source = account_with_money(person, "A", current_fen=100 + n, carried_fen=5_000)
        target = account_with_money(person, "B", current_fen=1, carried_fen=0)
        pairs.append((source, target))
    merges = [
        AccountMerge(source_id=s.pk, target_id=t.pk, key=f"race:{s.pk}", reason="同地合并")
        for s, t in pairs
    ]
    # when
    results = run_in_threads([lambda: personal_accounts_merge_many(merges=merges)] * 2)
    # then: both finish; the one that waited for the locks found nothing left to move
    assert all(isinstance(r, list) for r in results), results
    moved = sorted(sum(d.current_fen + d.carried_fen for d in r) for r in results)
    assert moved == [0, sum(100 + n + 5_000 for n in range(10))]
    assert Posting.objects.filter(kind="ACCOUNT_MERGE").count() == 20
    for n, (source, target) in enumerate(pairs):
        assert balances(target) == (101 + n, 5_000)
        assert balances(source) == (0, 0)
    call_command("verify_ledger", stdout=io.StringIO())
