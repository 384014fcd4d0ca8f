"""Merging personal accounts (several 个人编号 of one person in one region) set-based: money
through postings, contributions follow, each source closed; idempotent; undone exactly."""

import io

import pytest
from django.core.management import call_command

from accounts.errors import BusinessRuleViolation
from accounts.models import AuditEvent, Contribution, PersonalAccount, Posting, Region
from accounts.services import ledger, periods
from accounts.services.personal_accounts import (
    AccountMerge,
    personal_account_merge,
    personal_account_unmerge,
    personal_accounts_merge_many,
)
from tests.enrollment.factories import XIAN, account_with_money, balances
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db

Status = PersonalAccount.Status


def verify_ledger() -> None:
    call_command("verify_ledger", stdout=io.StringIO())  # raises on any difference


def periods_of(account) -> list[str]:
    return sorted(Contribution.objects.filter(account=account).values_list("period", flat=True))


def merge(source, target, key=None) -> AccountMerge:
    return AccountMerge(
        source_id=source.pk, target_id=target.pk, key=key or f"t{source.pk}", reason="同地合并"
    )


@pytest.fixture
def two_persons():
    """Two persons, each with a legacy and a current record in Xi'an, money in both."""
    accounts = []
    for n in range(2):
        person = InsuredPersonFactory()
        legacy = account_with_money(
            person,
            f"OLD{n}",
            current_fen=1_000 + n,
            carried_fen=50_000 + n,
            periods_paid=["202401", "202402"],
        )
        current = account_with_money(
            person, f"NEW{n}", current_fen=3_000, carried_fen=0, periods_paid=["202609"]
        )
        accounts.append((legacy, current))
    return accounts


def test_merging_many_moves_money_and_contributions_and_closes_the_sources(two_persons):
    """Each source's current and carried parts go to the target's; the ledger still balances."""
    # when
    details = personal_accounts_merge_many(merges=[merge(s, t) for s, t in two_persons])
    # then
    for n, (legacy, current) in enumerate(two_persons):
        assert balances(current) == (3_000 + 1_000 + n, 50_000 + n)
        assert balances(legacy) == (0, 0)
        assert periods_of(current) == ["202401", "202402", "202609"]
        legacy.refresh_from_db()
        assert (legacy.status, legacy.status_reason) == (Status.CLOSED, "同地合并")
        assert (details[n].current_fen, details[n].carried_fen) == (1_000 + n, 50_000 + n)
        assert details[n].source_status == Status.ACTIVE
    assert Posting.objects.filter(kind="ACCOUNT_MERGE").count() == 4
    closed = AuditEvent.objects.filter(
        object_type="accounts.personalaccount",
        object_id__in=[s.pk for s, _t in two_persons],
        action="personal_account.merge_close",
    )
    assert [(e.actor, e.before["status"], e.after["status"], e.reason) for e in closed] == [
        (None, "ACTIVE", "CLOSED", "同地合并")
    ] * 2
    verify_ledger()


def test_a_person_with_three_records_merges_two_into_one_in_the_same_call(two_persons):
    # given: a third record of the first person, and the second person's pair alongside
    (legacy, current), (other_legacy, other_current) = two_persons
    third = account_with_money(
        legacy.person, "OLDER", current_fen=0, carried_fen=7_000, periods_paid=["202301"]
    )
    # when
    personal_accounts_merge_many(
        merges=[merge(legacy, current), merge(third, current), merge(other_legacy, other_current)]
    )
    # then
    assert balances(current) == (4_000, 57_000)
    assert periods_of(current) == ["202301", "202401", "202402", "202609"]
    assert balances(other_current) == (4_001, 50_001)
    assert set(
        PersonalAccount.objects.filter(pk__in=[legacy.pk, third.pk]).values_list(
            "status", flat=True
        )
    ) == {Status.CLOSED}
    verify_ledger()


def test_running_the_same_merges_again_moves_nothing_twice(two_persons):
    """A retry finds every key posted: no second posting, balances unchanged."""
    # given: merged once; then money arrives on a closed source by mistake
    merges = [merge(s, t) for s, t in two_persons]
    personal_accounts_merge_many(merges=merges)
    legacy, current = two_persons[0]
    fund = ledger.region_account(region=Region.objects.get(pk=XIAN))
    ledger.posting_create(
        from_account=fund,
        to_account=legacy.current,
        amount_fen=500,
        kind="TEST_SEED",
        idempotency_key="late",
    )
    # when
    again = personal_accounts_merge_many(merges=merges)
    # then: the keys were posted already, so only what was really posted ever moved
    assert [(d.current_fen, d.carried_fen, d.contributions) for d in again] == [(0, 0, [])] * 2
    assert [d.source_status for d in again] == [Status.CLOSED] * 2
    assert Posting.objects.filter(kind="ACCOUNT_MERGE").count() == 4
    assert balances(current) == (4_000, 50_000)
    assert balances(legacy) == (500, 0)
    verify_ledger()


def test_merges_wait_while_the_regions_period_is_under_assessment(two_persons):
    # given
    region = Region.objects.get(pk=XIAN)
    periods.accounting_period_assess(
        period=periods.accounting_period_open(region=region, period="202610")
    )
    legacy, current = two_persons[0]
    # when / then
    with pytest.raises(BusinessRuleViolation, match="202610"):
        personal_accounts_merge_many(merges=[merge(legacy, current)])
    with pytest.raises(BusinessRuleViolation, match="202610"):
        personal_account_merge(source=legacy, target=current, reason="同地合并")
    assert balances(legacy) == (1_000, 50_000)
    assert not Posting.objects.filter(kind="ACCOUNT_MERGE").exists()


@pytest.mark.parametrize("case", ["other person", "source twice", "chain", "closed target"])
def test_merges_that_cannot_be_are_refused_whole(two_persons, case):
    (legacy, current), (other_legacy, other_current) = two_persons
    merges = {
        "other person": [merge(legacy, other_current)],
        "source twice": [merge(legacy, current), merge(legacy, current, key="again")],
        "chain": [merge(legacy, current), merge(current, other_current)],
        "closed target": [merge(current, legacy)],
    }[case]
    if case == "closed target":
        PersonalAccount.objects.filter(pk=legacy.pk).update(status=Status.CLOSED)
    with pytest.raises(BusinessRuleViolation):
        personal_accounts_merge_many(merges=merges)
    assert not Posting.objects.filter(kind="ACCOUNT_MERGE").exists()


def test_unmerging_puts_back_exactly_what_the_merge_moved(two_persons):
    """Money, contributions, status and its reason, as they were before the merge."""
    # given: a frozen legacy account merged into the current one, which then received more
    (legacy, current), _other = two_persons
    PersonalAccount.objects.filter(pk=legacy.pk).update(status=Status.FROZEN, status_reason="封存")
    details = personal_accounts_merge_many(merges=[merge(legacy, current)])
    fund = ledger.region_account(region=Region.objects.get(pk=XIAN))
    ledger.posting_create(
        from_account=fund,
        to_account=current.current,
        amount_fen=900,
        kind="TEST_SEED",
        idempotency_key="after",
    )
    # when
    personal_account_unmerge(merges=details, key="undo-1", reference="test")
    # then
    assert balances(legacy) == (1_000, 50_000)
    assert balances(current) == (3_900, 0)
    assert periods_of(legacy) == ["202401", "202402"]
    assert periods_of(current) == ["202609"]
    legacy.refresh_from_db()
    assert (legacy.status, legacy.status_reason) == (Status.FROZEN, "封存")
    assert Posting.objects.filter(kind="ACCOUNT_UNMERGE").count() == 2
    undone = AuditEvent.objects.get(object_id=legacy.pk, action="personal_account.unmerge")
    assert (undone.before["status"], undone.after) == (
        Status.CLOSED,
        {"status": Status.FROZEN, "status_reason": "封存"},
    )
    verify_ledger()


def test_an_unmerge_refuses_when_the_merged_money_was_spent(two_persons):
    (legacy, current), _other = two_persons
    details = personal_accounts_merge_many(merges=[merge(legacy, current)])
    fund = ledger.region_account(region=Region.objects.get(pk=XIAN))
    ledger.posting_create(
        from_account=current.carried,
        to_account=fund,
        amount_fen=10_000,
        kind="SPEND",
        idempotency_key="spent",
    )
    with pytest.raises(BusinessRuleViolation, match="不能撤销"):
        personal_account_unmerge(merges=details, key="undo-2")
    assert balances(legacy) == (0, 0)
    verify_ledger()
