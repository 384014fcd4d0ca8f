"""每月划入: in-service and retiree credits, backfill, exactly once, carry-over."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import (
    LedgerAccount,
    MonthlyCreditRun,
    PersonalAccount,
    Posting,
    RegionPolicy,
    RegionPolicyVersion,
)
from accounts.services import credits, periods, personal_accounts
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)


def balance(person, region="610100") -> Decimal:
    account = PersonalAccount.objects.select_related("current", "carried").get(
        person=person, region_id=region
    )
    return account.balance


def credited_periods(person) -> list[str]:
    return sorted(
        Posting.objects.filter(to_account__person=person, kind__startswith="CREDIT_").values_list(
            "period", flat=True
        )
    )


def verify_ledger() -> None:
    call_command("verify_ledger", stdout=io.StringIO())


@time_machine.travel(NOW)
def test_an_employee_is_credited_the_individual_share_once_paid_and_assessed(contribute, assess):
    # given: base 8000.00, Xi'an individual rate 2%
    person = InsuredPersonFactory()
    contribute(person, "202604")
    assess("202604")
    # when
    run = credits.monthly_credit_run(region_code="610100")
    # then
    assert balance(person) == Decimal("160.00")
    assert (run.status, run.credited_count, run.credited_amount) == (
        MonthlyCreditRun.Status.SUCCEEDED,
        1,
        Decimal("160.00"),
    )
    verify_ledger()


@time_machine.travel(NOW)
def test_nothing_is_credited_before_the_payment_arrives(contribute, assess):
    person = InsuredPersonFactory()
    contribute(person, "202604", paid=False)
    assess("202604")
    credits.monthly_credit_run(region_code="610100")
    assert balance(person) == Decimal("0.00")
    contribute(person, "202604", paid=True)  # 到账 later
    credits.monthly_credit_run(region_code="610100")
    assert balance(person) == Decimal("160.00")


@time_machine.travel(NOW)
def test_march_and_april_assessed_late_are_both_credited_exactly_once(contribute, assess):
    """The seeds' case: 做账期号 stuck at February, March and April credited after 核定."""
    person = InsuredPersonFactory()
    contribute(person, "202602")
    assess("202602")
    credits.monthly_credit_run(region_code="610100")
    contribute(person, "202603")
    contribute(person, "202604")
    credits.monthly_credit_run(region_code="610100")  # March and April not yet assessed
    assert credited_periods(person) == ["202602"]
    # when: both are assessed late (4月30日核定), then the job runs
    assess("202603", "202604")
    run = credits.monthly_credit_run(region_code="610100")
    again = credits.monthly_credit_run(region_code="610100")
    # then
    assert credited_periods(person) == ["202602", "202603", "202604"]
    assert run.periods == ["202602", "202603", "202604"]
    assert (run.credited_count, again.credited_count) == (2, 0)
    assert balance(person) == Decimal("480.00")
    verify_ledger()


@time_machine.travel(NOW)
def test_the_policy_extra_share_is_added(contribute, assess):
    RegionPolicyVersion.objects.filter(region="610100").update(credit_extra_rate=Decimal("0.0050"))
    person = InsuredPersonFactory()
    contribute(person, "202604", base="10000.00")
    assess("202604")
    credits.monthly_credit_run(region_code="610100")
    assert balance(person) == Decimal("250.00")  # 2% + 0.5% of 10000


@time_machine.travel(NOW)
@pytest.mark.parametrize(
    ("reported", "credited"),
    [("1000.00", "86.40"), ("8000.00", "160.00"), ("90000.00", "432.00")],
)
def test_the_base_is_clamped_to_the_regions_floor_and_ceiling(
    contribute, assess, reported, credited
):
    """Xi'an average wage 7200: floor 60% = 4320, ceiling 300% = 21600."""
    person = InsuredPersonFactory()
    contribute(person, "202604", base=reported)
    assess("202604")
    credits.monthly_credit_run(region_code="610100")
    assert balance(person) == Decimal(credited)


def fixed_by_age_band(region: str) -> None:
    """A fixed monthly amount by age band: 97 under 70, 107 from 70."""
    RegionPolicyVersion.objects.filter(region=region).update(
        retiree_credit_rule=RegionPolicyVersion.RetireeCreditRule.FIXED,
        retiree_amount_below=Decimal("97.00"),
        retiree_amount_from=Decimal("107.00"),
    )


@time_machine.travel(NOW)
def test_retirees_get_a_fixed_amount_by_age_band(assess, retiree):
    fixed_by_age_band("140100")
    younger = retiree(born=dt.date(1960, 1, 1), region="140100")
    older = retiree(born=dt.date(1956, 5, 31), region="140100")  # 70 in May 2026
    assess("202605", region="140100")
    credits.monthly_credit_run(region_code="140100")
    assert balance(younger, "140100") == Decimal("97.00")
    assert balance(older, "140100") == Decimal("107.00")


@time_machine.travel(NOW)
def test_a_backfilled_retiree_gets_each_periods_age_band_once(assess, retiree):
    """Turning 70 in May: April is credited below the band, May from it, each once."""
    fixed_by_age_band("140100")
    person = retiree(born=dt.date(1956, 5, 31), region="140100")
    assess("202604", "202605", region="140100")
    first = credits.monthly_credit_run(region_code="140100")
    second = credits.monthly_credit_run(region_code="140100")
    assert (first.credited_count, first.retiree_count) == (2, 2)
    assert second.credited_count == 0
    assert balance(person, "140100") == Decimal("204.00")
    verify_ledger()


@time_machine.travel(NOW)
def test_shanxi_retirees_get_a_fixed_85(assess, retiree):
    person = retiree(born=dt.date(1950, 3, 3), region="140100")
    assess("202604", "202605", region="140100")
    credits.monthly_credit_run(region_code="140100")
    assert balance(person, "140100") == Decimal("170.00")


@time_machine.travel(NOW)
def test_percent_of_average_pension_by_age_band(assess, retiree):
    """Xi'an: 2% under 70 and 2.5% from 70 of the region's average pension (3300)."""
    younger = retiree(born=dt.date(1962, 8, 8))
    older = retiree(born=dt.date(1940, 8, 8))
    assess("202605")
    credits.monthly_credit_run(region_code="610100")
    assert balance(younger) == Decimal("66.00")
    assert balance(older) == Decimal("82.50")


@time_machine.travel(NOW)
def test_a_frozen_account_still_receives_what_was_paid_while_employed(contribute, assess):
    """封存 keeps the money the person's: an individual share paid for a period of employment is
    credited after the account froze; the balance grows, the available amount stays 0."""
    # given: April paid while employed, then the account froze (moved to resident insurance)
    person = InsuredPersonFactory()
    contribute(person, "202604")
    assess("202604")
    account = PersonalAccount.objects.get(person=person)
    personal_accounts.personal_account_freeze(account=account, reason="转居民医保")
    # when
    run = credits.monthly_credit_run(region_code="610100")
    # then
    account = PersonalAccount.objects.select_related("current", "carried").get(pk=account.pk)
    assert run.credited_count == 1
    assert (account.status, account.balance, account.available) == (
        PersonalAccount.Status.FROZEN,
        Decimal("160.00"),
        Decimal("0.00"),
    )
    assert credits.monthly_credit_run(region_code="610100").credited_count == 0
    verify_ledger()


@time_machine.travel(NOW)
def test_a_retiree_on_a_frozen_account_is_credited_once_unfrozen(assess, retiree):
    """The retiree credit follows an active account: none while frozen, backfilled after."""
    person = retiree(born=dt.date(1962, 8, 8))
    assess("202605")
    account = PersonalAccount.objects.get(person=person)
    personal_accounts.personal_account_freeze(account=account, reason="转居民医保")
    credits.monthly_credit_run(region_code="610100")
    assert balance(person) == Decimal("0.00")
    personal_accounts.personal_account_unfreeze(account=account)
    credits.monthly_credit_run(region_code="610100")
    assert balance(person) == Decimal("66.00")


@time_machine.travel(NOW)
def test_a_run_killed_halfway_and_restarted_credits_nobody_twice(contribute, assess, monkeypatch):
    # given: three chunks of accounts; the second dies after its postings and balances are
    # written, before its commit
    people = InsuredPersonFactory.create_batch(6)
    for person in people:
        contribute(person, "202604")
    assess("202604")
    monkeypatch.setattr(credits, "CHUNK_SIZE", 2)
    real_progress = credits._record_progress
    calls = {"n": 0}

    def crash_on_second_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real_progress(**kwargs)

    monkeypatch.setattr(credits, "_record_progress", crash_on_second_chunk)
    # when
    with pytest.raises(RuntimeError):
        credits.monthly_credit_run(region_code="610100")
    failed = MonthlyCreditRun.objects.get()
    monkeypatch.setattr(credits, "_record_progress", real_progress)
    rerun = credits.monthly_credit_run(region_code="610100")
    # then
    assert failed.status == MonthlyCreditRun.Status.FAILED
    assert (failed.chunks_done, failed.credited_count) == (1, 2)
    assert rerun.credited_count == 4
    assert all(balance(p) == Decimal("160.00") for p in people)
    verify_ledger()


@time_machine.travel(NOW)
def test_year_end_carry_over_moves_the_current_year_once(contribute, assess):
    person = InsuredPersonFactory()
    contribute(person, "202604")
    assess("202604")
    credits.monthly_credit_run(region_code="610100")
    assert credits.year_end_carry_over(year=2026) == 1
    assert credits.year_end_carry_over(year=2026) == 0
    account = PersonalAccount.objects.select_related("current", "carried").get(person=person)
    assert (account.current.balance_fen, account.carried.balance_fen) == (0, 16000)
    verify_ledger()


@time_machine.travel(NOW)
def test_the_command_prints_counts(contribute, assess):
    contribute(InsuredPersonFactory(), "202604")
    assess("202604")
    out = io.StringIO()
    call_command("run_monthly_credit", "--region", "610100", stdout=out)
    assert "610100" in out.getvalue() and "1" in out.getvalue()


def test_ledger_kinds_used_by_credits_are_known():
    assert LedgerAccount.Kind.REGION_FUND in LedgerAccount.MAY_BE_NEGATIVE


@time_machine.travel(dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC))
def test_the_daily_beat_task_runs_the_regions_whose_credit_day_is_today(
    contribute, assess, django_capture_on_commit_callbacks
):
    from accounts.tasks import run_monthly_credit_due

    RegionPolicy.objects.exclude(pk="610100").update(credit_day=21)
    person = InsuredPersonFactory()
    contribute(person, "202604")
    assess("202604")
    with django_capture_on_commit_callbacks(execute=True):
        assert run_monthly_credit_due() == ["610100"]
    assert balance(person) == Decimal("160.00")


@time_machine.travel(NOW)
def test_a_credited_contribution_that_follows_a_merge_is_not_credited_again(contribute, assess):
    """Two records (个人编号) merged: money and contributions follow, credits stay once."""
    person = InsuredPersonFactory()
    contribute(person, "202604")
    assess("202604")
    credits.monthly_credit_run(region_code="610100")
    source = PersonalAccount.objects.get(person=person)
    periods.accounting_period_open(region=source.region, period="202605")  # merges wait for it
    target = personal_accounts.personal_account_open(
        person=person, region=source.region, record_id="LEGACY-2"
    )
    personal_accounts.personal_account_merge(source=source, target=target, reason="同地合并")
    rerun = credits.monthly_credit_run(region_code="610100")
    target = PersonalAccount.objects.select_related("current", "carried").get(pk=target.pk)
    assert rerun.credited_count == 0
    assert target.balance == Decimal("160.00")
    verify_ledger()


@pytest.mark.postgres
@time_machine.travel(NOW)
def test_a_run_inside_an_outer_transaction_leaves_nothing_to_skip_on(contribute, assess):
    """Its snapshot could not tell that transaction's own later changes from earlier ones."""
    contribute(InsuredPersonFactory(), "202604")
    assess("202604")
    run = credits.monthly_credit_run(region_code="610100")
    assert (run.credited_count, run.inputs_snapshot) == (1, "")
