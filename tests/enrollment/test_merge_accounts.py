"""Rule 4 with money: merged records bring their personal account along, through the ledger."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Contribution, PersonalAccount, Posting, Region
from accounts.services import contributions, credits, ledger, periods
from accounts.services.personal_accounts import personal_account_open
from enrollment.models import DuplicateCase, EnrollmentStatus
from enrollment.services import cases, duplicates
from tests.enrollment.factories import XIAN, account_with_money, balances, statuses
from tests.factories import InsuredPersonFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_records(enroll):
    """宋宇: two 个人编号 in Xi'an from merged legacy systems, each with an account and money."""
    person = InsuredPersonFactory(name="宋宇")
    legacy = enroll(person, "EMPLOYEE", XIAN, record_id="61019900078123", paid="2024-05-05")
    current = enroll(person, "EMPLOYEE", XIAN, record_id="61010000321456", paid="2026-11-05")
    legacy_account = account_with_money(
        person,
        legacy.record_id,
        current_fen=12_345,
        carried_fen=500_000,
        periods_paid=["202401", "202402"],
    )
    current_account = account_with_money(
        person, current.record_id, current_fen=32_000, carried_fen=0, periods_paid=["202609"]
    )
    return person, legacy, current, legacy_account, current_account


def test_merge_moves_money_and_contributions_and_the_ledger_still_balances(two_records, resolve):
    """Contributions and account money follow the merge; verify_ledger agrees afterwards."""
    # given
    person, legacy, current, legacy_account, current_account = two_records
    # when
    run = resolve()
    # then: the legacy record is merged, its account closed and emptied into the kept one
    assert statuses(legacy, current) == [EnrollmentStatus.MERGED, EnrollmentStatus.ACTIVE]
    assert run.counts["accounts_merged"] == 1
    assert balances(current_account) == (32_000 + 12_345, 500_000)
    assert balances(legacy_account) == (0, 0)
    legacy_account.refresh_from_db()
    assert legacy_account.status == PersonalAccount.Status.CLOSED
    assert sorted(
        Contribution.objects.filter(account=current_account).values_list("period", flat=True)
    ) == ["202401", "202402", "202609"]
    case = DuplicateCase.objects.get(person=person)
    assert case.accounts_status == DuplicateCase.AccountsStatus.DONE
    assert case.account_merges[0]["current_fen"] == 12_345
    assert case.account_merges[0]["carried_fen"] == 500_000
    assert Posting.objects.filter(kind="ACCOUNT_MERGE").count() == 2
    call_command("verify_ledger")  # raises on any difference


def test_reverting_a_merge_gives_the_money_and_contributions_back(two_records, resolve):
    """Revert restores exactly what was there, money included, through new postings."""
    # given
    person, legacy, current, legacy_account, current_account = two_records
    resolve()
    case = DuplicateCase.objects.get(person=person)
    staff = StaffUserFactory(regions=[XIAN])
    # when
    cases.duplicate_case_revert(case=case, by=staff)
    # then
    assert statuses(legacy, current) == [EnrollmentStatus.ACTIVE, EnrollmentStatus.ACTIVE]
    assert balances(legacy_account) == (12_345, 500_000)
    assert balances(current_account) == (32_000, 0)
    legacy_account.refresh_from_db()
    assert legacy_account.status == PersonalAccount.Status.ACTIVE
    assert sorted(
        Contribution.objects.filter(account=legacy_account).values_list("period", flat=True)
    ) == ["202401", "202402"]
    assert Posting.objects.filter(kind="ACCOUNT_UNMERGE").count() == 2
    call_command("verify_ledger")
    # and the nightly run leaves what staff decided alone
    again = resolve()
    assert again.counts["cases"] == {}
    assert statuses(legacy, current) == [EnrollmentStatus.ACTIVE, EnrollmentStatus.ACTIVE]


def test_a_merge_that_was_spent_since_cannot_be_reverted(two_records, resolve):
    person, legacy, current, legacy_account, current_account = two_records
    resolve()
    current_account.refresh_from_db()
    fund = ledger.region_account(region=Region.objects.get(pk=XIAN))
    ledger.posting_create(
        from_account=current_account.current,
        to_account=fund,
        amount_fen=40_000,
        kind="SPEND",
        idempotency_key="spent-after-merge",
    )
    case = DuplicateCase.objects.get(person=person)
    with pytest.raises(cases.BusinessRuleViolation, match="不能撤销"):
        cases.duplicate_case_revert(case=case, by=StaffUserFactory(regions=[XIAN]))
    assert statuses(legacy) == [EnrollmentStatus.MERGED]
    call_command("verify_ledger")


def test_the_money_waits_while_the_regions_period_is_being_assessed(two_records, resolve):
    """核定 in progress: the decision stands, the account merge waits for an open period."""
    # given
    person, legacy, current, legacy_account, current_account = two_records
    region = Region.objects.get(pk=XIAN)
    period = periods.accounting_period_open(region=region, period="202610")
    periods.accounting_period_assess(period=period)
    # when
    run = resolve()
    # then
    assert statuses(legacy) == [EnrollmentStatus.MERGED]
    assert (run.counts["accounts_merged"], run.counts["accounts_waiting"]) == (0, 1)
    assert balances(legacy_account) == (12_345, 500_000)
    case = DuplicateCase.objects.get(person=person)
    assert case.accounts_status == DuplicateCase.AccountsStatus.PENDING
    # when the next period opens, the next run moves the money
    periods.accounting_period_open(region=region, period="202611")
    again = resolve()
    assert again.counts["accounts_merged"] == 1
    assert balances(current_account) == (44_345, 500_000)
    call_command("verify_ledger")


def test_a_kept_record_without_an_account_gets_one_to_receive_the_money(enroll, resolve):
    person = InsuredPersonFactory()
    legacy = enroll(person, "EMPLOYEE", XIAN, record_id="OLD", paid="2020-01-05")
    kept = enroll(person, "EMPLOYEE", XIAN, record_id="NEW", paid="2026-10-05")
    old_account = account_with_money(person, "OLD", current_fen=0, carried_fen=88_800)
    resolve()
    new_account = PersonalAccount.objects.get(person=person, record_id="NEW")
    assert balances(new_account) == (0, 88_800)
    assert balances(old_account) == (0, 0)
    assert statuses(legacy, kept) == [EnrollmentStatus.MERGED, EnrollmentStatus.ACTIVE]
    call_command("verify_ledger")


def test_resident_records_merge_without_any_account(enroll, resolve):
    person = InsuredPersonFactory()
    enroll(person, "RESIDENT", XIAN, record_id="R1", paid="2025-12-20")
    enroll(person, "RESIDENT", XIAN, record_id="R2", paid="2024-12-20")
    run = resolve()
    case = DuplicateCase.objects.get(person=person)
    assert case.rule == DuplicateCase.Rule.SAME_REGION_MERGE
    assert case.accounts_status == DuplicateCase.AccountsStatus.NONE
    assert run.counts["accounts_merged"] == 0


def test_three_records_of_several_persons_merge_in_one_step_and_revert_exactly(enroll, resolve):
    """One set-based step merges every case's accounts; a revert gives back each one's own."""
    # given: 宋宇 with three records in Xi'an, and two more persons with two each
    person = InsuredPersonFactory(name="宋宇")
    kept = enroll(person, "EMPLOYEE", XIAN, record_id="NEW", paid="2026-11-05")
    older = enroll(person, "EMPLOYEE", XIAN, record_id="OLD", paid="2025-05-05")
    oldest = enroll(person, "EMPLOYEE", XIAN, record_id="OLDEST", paid="2020-05-05")
    kept_account = account_with_money(person, "NEW", current_fen=100, carried_fen=0)
    older_account = account_with_money(
        person, "OLD", current_fen=2_000, carried_fen=30_000, periods_paid=["202501"]
    )
    oldest_account = account_with_money(
        person, "OLDEST", current_fen=0, carried_fen=9_000, periods_paid=["202001", "202002"]
    )
    others = []
    for n in range(2):
        other = InsuredPersonFactory()
        enroll(other, "EMPLOYEE", XIAN, record_id="A", paid="2026-10-05")
        enroll(other, "EMPLOYEE", XIAN, record_id="B", paid="2024-10-05")
        others.append(
            (
                account_with_money(other, "A", current_fen=10, carried_fen=0),
                account_with_money(other, "B", current_fen=n + 1, carried_fen=700),
            )
        )
    # when
    run = resolve()
    # then
    assert run.counts["accounts_merged"] == 4
    assert statuses(kept, older, oldest) == [
        EnrollmentStatus.ACTIVE,
        EnrollmentStatus.MERGED,
        EnrollmentStatus.MERGED,
    ]
    assert balances(kept_account) == (2_100, 39_000)
    assert sorted(
        Contribution.objects.filter(account=kept_account).values_list("period", flat=True)
    ) == ["202001", "202002", "202501"]
    for n, (kept_other, merged_other) in enumerate(others):
        assert balances(kept_other) == (11 + n, 700)
    case = DuplicateCase.objects.get(person=person)
    assert [d["source"] for d in case.account_merges] == [older_account.pk, oldest_account.pk]
    call_command("verify_ledger")
    # and a second merge step finds nothing left to move
    assert duplicates.duplicate_account_merges_apply() == (0, 0)
    assert Posting.objects.filter(kind="ACCOUNT_MERGE").count() == 7
    # when staff revert 宋宇's case
    cases.duplicate_case_revert(case=case, by=StaffUserFactory(regions=[XIAN]))
    # then his three accounts are as they were, the others untouched
    assert balances(kept_account) == (100, 0)
    assert balances(older_account) == (2_000, 30_000)
    assert balances(oldest_account) == (0, 9_000)
    assert (
        list(
            PersonalAccount.objects.filter(
                pk__in=[older_account.pk, oldest_account.pk]
            ).values_list("status", "status_reason")
        )
        == [(PersonalAccount.Status.ACTIVE, "")] * 2
    )
    assert sorted(
        Contribution.objects.filter(account=oldest_account).values_list("period", flat=True)
    ) == ["202001", "202002"]
    assert balances(others[0][0]) == (11, 700)
    call_command("verify_ledger")


def test_money_follows_a_merge_in_a_region_that_is_not_kept_and_staff_can_revert_it(
    enroll, resolve
):
    """Seed 002 in a city that loses to another (rule 2): its two 个人编号 still merge, the
    money and contributions through the ledger, as a case staff of that city can revert."""
    # given: two Xi'an records with money; a newer payment in Taiyuan wins the person
    person = InsuredPersonFactory(name="宋宇")
    legacy = enroll(person, "EMPLOYEE", XIAN, record_id="OLD", paid="2024-05-05")
    newer = enroll(person, "FLEXIBLE", XIAN, record_id="NEW", paid="2025-05-05")
    taiyuan = enroll(person, "EMPLOYEE", "140100", paid="2026-11-05")
    legacy_account = account_with_money(
        person, "OLD", current_fen=1_234, carried_fen=50_000, periods_paid=["202401"]
    )
    newer_account = account_with_money(person, "NEW", current_fen=100, carried_fen=0)
    # when
    run = resolve()
    # then
    assert statuses(legacy, newer, taiyuan) == [
        EnrollmentStatus.MERGED,
        EnrollmentStatus.SUSPENDED,
        EnrollmentStatus.ACTIVE,
    ]
    assert run.counts["accounts_merged"] == 1
    assert balances(newer_account) == (1_334, 50_000)
    assert balances(legacy_account) == (0, 0)
    assert list(
        Contribution.objects.filter(person=person).values_list("account_id", flat=True)
    ) == [newer_account.pk]
    case = DuplicateCase.objects.get(person=person, rule=DuplicateCase.Rule.SAME_REGION_MERGE)
    assert (case.region_id, case.kept_id) == (XIAN, newer.pk)
    call_command("verify_ledger")
    # when Xi'an's staff revert the merge
    cases.duplicate_case_revert(case=case, by=StaffUserFactory(regions=[XIAN]))
    # then
    assert balances(legacy_account) == (1_234, 50_000)
    assert balances(newer_account) == (100, 0)
    assert statuses(legacy, newer) == [EnrollmentStatus.ACTIVE, EnrollmentStatus.SUSPENDED]
    call_command("verify_ledger")


def test_reverting_a_merge_closes_the_account_the_merge_opened(enroll, resolve):
    """The kept record had no account: the merge opened one to receive the money; the revert
    puts the money back and closes that account again, as before the merge."""
    # given
    person = InsuredPersonFactory()
    enroll(person, "EMPLOYEE", XIAN, record_id="OLD", paid="2020-01-05")
    enroll(person, "EMPLOYEE", XIAN, record_id="NEW", paid="2026-10-05")
    old_account = account_with_money(person, "OLD", current_fen=0, carried_fen=88_800)
    resolve()
    opened = PersonalAccount.objects.get(person=person, record_id="NEW")
    # when
    case = DuplicateCase.objects.get(person=person)
    cases.duplicate_case_revert(case=case, by=StaffUserFactory(regions=[XIAN]))
    # then
    opened.refresh_from_db()
    assert opened.status == PersonalAccount.Status.CLOSED
    assert balances(opened) == (0, 0)
    assert balances(old_account) == (0, 88_800)
    old_account.refresh_from_db()
    assert old_account.status == PersonalAccount.Status.ACTIVE
    call_command("verify_ledger")


def test_a_contribution_fed_between_decision_and_money_move_is_put_back_by_a_revert(
    enroll, resolve
):
    """A receipt the feed adds to the merged-away account after the decision, before the money
    moves, follows the merge and is recorded with it: the revert puts it back exactly."""
    # given: the decision is taken, the money step has not run yet
    person = InsuredPersonFactory()
    enroll(person, "EMPLOYEE", XIAN, record_id="OLD", paid="2024-05-05")
    enroll(person, "EMPLOYEE", XIAN, record_id="NEW", paid="2026-11-05")
    old_account = account_with_money(person, "OLD", current_fen=500, carried_fen=0)
    new_account = account_with_money(person, "NEW", current_fen=0, carried_fen=0)
    resolve(merge_accounts=False)
    contributions.contributions_feed_apply(
        rows=[
            {
                "person": person,
                "region": Region.objects.get(pk=XIAN),
                "period": "202611",
                "base": Decimal("8000.00"),
                "paid_at": timezone.now(),
            }
        ]
    )
    arrived = Contribution.objects.get(person=person, period="202611")
    assert arrived.account_id == old_account.pk
    # when the money follows, and staff revert the case
    duplicates.duplicate_account_merges_apply()
    arrived.refresh_from_db()
    assert arrived.account_id == new_account.pk
    case = DuplicateCase.objects.get(person=person)
    assert case.account_merges[0]["contributions"] == [arrived.pk]
    cases.duplicate_case_revert(case=case, by=StaffUserFactory(regions=[XIAN]))
    # then
    arrived.refresh_from_db()
    assert arrived.account_id == old_account.pk
    assert balances(old_account) == (500, 0)
    call_command("verify_ledger")


@time_machine.travel(dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC))
def test_a_retiree_period_credited_to_the_merged_away_account_is_not_credited_again(
    enroll, resolve
):
    """The retiree credit is keyed per account and period: a period the merged-away account
    was credited for is not credited again to the account it merges into (Xi'an: 2% of the
    average pension 3,300 = 66 yuan a month), and a revert keeps it at once."""
    # given: a retiree whose old 个人编号 was credited for April and May; the kept record has
    # no account yet (the merge opens it this month)
    xian = Region.objects.get(pk=XIAN)
    person = InsuredPersonFactory(retired=True, birth_date=dt.date(1962, 8, 8))
    enroll(person, "EMPLOYEE", XIAN, record_id="OLD", paid="2024-05-05")
    enroll(person, "EMPLOYEE", XIAN, record_id="NEW", paid="2026-04-05")
    old_account = personal_account_open(
        person=person, region=xian, record_id="OLD", opened_period="202401"
    )
    for code in ("202604", "202605"):
        periods.accounting_period_assess(
            period=periods.accounting_period_open(region=xian, period=code)
        )
    periods.accounting_period_open(region=xian, period="202606")
    credits.monthly_credit_run(region_code=XIAN)
    assert balances(old_account) == (13_200, 0)
    # when the records merge and the monthly credit runs again
    resolve()
    credits.monthly_credit_run(region_code=XIAN)
    # then each period was credited once, its money in the kept account
    new_account = PersonalAccount.objects.get(person=person, record_id="NEW")
    assert balances(new_account) == (13_200, 0)
    assert Posting.objects.filter(kind=credits.RETIREE).count() == 2
    call_command("verify_ledger")
    # and after a revert the old account holds them again, nothing credited twice
    case = DuplicateCase.objects.get(person=person)
    cases.duplicate_case_revert(case=case, by=StaffUserFactory(regions=[XIAN]))
    credits.monthly_credit_run(region_code=XIAN)
    assert balances(old_account) == (13_200, 0)
    assert Posting.objects.filter(kind=credits.RETIREE).count() == 2
    call_command("verify_ledger")


def test_a_merge_whose_opened_account_received_a_contribution_since_cannot_be_reverted(
    enroll, resolve
):
    """Closing the account the merge opened must strand nothing: a receipt booked to it since
    makes the revert refuse, saying why, and nothing changes."""
    person = InsuredPersonFactory()
    legacy = enroll(person, "EMPLOYEE", XIAN, record_id="OLD", paid="2020-01-05")
    enroll(person, "EMPLOYEE", XIAN, record_id="NEW", paid="2026-10-05")
    old_account = account_with_money(person, "OLD", current_fen=0, carried_fen=88_800)
    resolve()
    contributions.contributions_feed_apply(
        rows=[
            {
                "person": person,
                "region": Region.objects.get(pk=XIAN),
                "period": "202611",
                "base": Decimal("8000.00"),
                "paid_at": None,
            }
        ]
    )
    case = DuplicateCase.objects.get(person=person)
    with pytest.raises(cases.BusinessRuleViolation, match="不能撤销"):
        cases.duplicate_case_revert(case=case, by=StaffUserFactory(regions=[XIAN]))
    assert statuses(legacy) == [EnrollmentStatus.MERGED]
    assert balances(old_account) == (0, 0)
    call_command("verify_ledger")
