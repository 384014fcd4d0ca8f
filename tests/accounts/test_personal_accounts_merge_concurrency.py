"""Real transactions on PostgreSQL: the same merges started twice at once move money once;
a contribution the feed adds meanwhile is never lost to a closed account nor to a revert."""

import io
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import Contribution, Posting, Region
from accounts.services import contributions
from accounts.services.personal_accounts import (
    AccountMerge,
    personal_account_unmerge,
    personal_accounts_merge_many,
)
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


def _feed(person, period: str):
    contributions.contributions_feed_apply(
        rows=[
            {
                "person": person,
                "region": Region.objects.get(pk="610100"),
                "period": period,
                "base": Decimal("8000.00"),
                "paid_at": timezone.now(),
            }
        ]
    )


def test_a_contribution_the_feed_is_adding_to_a_source_is_moved_and_recorded_for_the_revert():
    """A receipt being added to the merged-away account while the merge starts: the merge
    waits for it, moves it with the money and records it, so a revert puts it back."""
    # given: the feed has added a contribution to the source and not committed yet
    person = InsuredPersonFactory()
    source = account_with_money(person, "A", current_fen=300, carried_fen=0)
    target = account_with_money(person, "B", current_fen=0, carried_fen=0)
    added, merged = threading.Event(), threading.Event()

    def feed():
        with transaction.atomic():
            _feed(person, "202611")
            added.set()
            merged.wait(timeout=2)  # the merge, if it does not wait for us, finishes meanwhile

    def merge():
        added.wait(timeout=10)
        details = personal_accounts_merge_many(
            merges=[AccountMerge(source_id=source.pk, target_id=target.pk, key="k", reason="合并")]
        )
        merged.set()
        return details

    # when
    _fed, details = run_in_threads([feed, merge])
    # then: the contribution followed the merge and is recorded in it
    arrived = Contribution.objects.get(person=person, period="202611")
    assert arrived.account_id == target.pk
    assert details[0].contributions == [arrived.pk]
    # and the revert puts it back on the source
    personal_account_unmerge(merges=details, key="k")
    arrived.refresh_from_db()
    assert arrived.account_id == source.pk
    assert balances(source) == (300, 0)
    call_command("verify_ledger", stdout=io.StringIO())


def test_a_contribution_arriving_while_a_merge_runs_goes_to_the_account_kept():
    """The feed waits for a merge that is closing the account it would have chosen, then puts
    the receipt in the account the money went to, never on the closed one."""
    # given: a merge has moved the source into the target and not committed yet
    person = InsuredPersonFactory()
    source = account_with_money(person, "A", current_fen=300, carried_fen=0)
    target = account_with_money(person, "B", current_fen=0, carried_fen=0)
    merging, fed = threading.Event(), threading.Event()

    def merge():
        with transaction.atomic():
            personal_accounts_merge_many(
                merges=[
                    AccountMerge(source_id=source.pk, target_id=target.pk, key="k", reason="合并")
                ]
            )
            merging.set()
            fed.wait(timeout=2)  # the feed, if it does not wait for us, finishes meanwhile

    def feed():
        merging.wait(timeout=10)
        _feed(person, "202611")
        fed.set()

    # when
    results = run_in_threads([merge, feed])
    # then
    assert results == [None, None]
    assert Contribution.objects.get(person=person, period="202611").account_id == target.pk
    call_command("verify_ledger", stdout=io.StringIO())
