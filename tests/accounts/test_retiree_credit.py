"""退休人员每月划入 (SPEC §3): from the month after retirement, by the region's rule of that
period — a fixed amount or a percent of the average pension by age band, or a percent of the
person's own pension up to a cap (seed 004) — on the retiree's active account only."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import InsuredPerson, PersonalAccount, Posting, Region
from accounts.services import credits, personal_accounts
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)
BEIJING, SHANGHAI, TAIYUAN, XIAN = "110100", "310100", "140100", "610100"


def balance(person, region) -> Decimal:
    return (
        PersonalAccount.objects.select_related("current", "carried")
        .exclude(status=PersonalAccount.Status.CLOSED)
        .get(person=person, region_id=region)
        .balance
    )


def credited(person) -> list[tuple[str, str, int]]:
    return sorted(
        Posting.objects.filter(to_account__person=person, kind=credits.RETIREE).values_list(
            "to_account__region_id", "period", "amount_fen"
        )
    )


def verify_ledger() -> None:
    call_command("verify_ledger", stdout=io.StringIO())


@time_machine.travel(NOW)
def test_the_retiree_credit_starts_the_month_after_retirement(assess, retiree):
    """Retired on 15 March 2026: nothing for February or March, 85 for April and for May."""
    # given
    person = retiree(born=dt.date(1962, 3, 3), region=TAIYUAN)
    InsuredPerson.objects.filter(pk=person.pk).update(retired_at=dt.date(2026, 3, 15))
    assess("202602", "202603", "202604", "202605", region=TAIYUAN)
    # when
    credits.monthly_credit_run(region_code=TAIYUAN)
    # then
    assert [period for _region, period, _fen in credited(person)] == ["202604", "202605"]
    assert balance(person, TAIYUAN) == Decimal("170.00")
    verify_ledger()


@time_machine.travel(NOW)
def test_retiring_on_the_first_of_a_month_starts_the_credit_the_month_after(assess, retiree):
    person = retiree(born=dt.date(1962, 3, 3), region=TAIYUAN)
    InsuredPerson.objects.filter(pk=person.pk).update(retired_at=dt.date(2026, 4, 1))
    assess("202604", "202605", region=TAIYUAN)
    credits.monthly_credit_run(region_code=TAIYUAN)
    assert [period for _region, period, _fen in credited(person)] == ["202605"]


@time_machine.travel(NOW)
@pytest.mark.parametrize(
    ("pension", "amount"),
    [("5000.00", "175.00"), ("20000.00", "500.00"), ("4321.43", "151.25")],
)
def test_beijing_credits_3_5_percent_of_the_own_pension_up_to_500(assess, retiree, pension, amount):
    """Seed 004: 北京市退休人员的返还比例为养老金的3.5%，最高不超过500元 (rounded to the fen)."""
    # given
    person = retiree(born=dt.date(1958, 1, 1), region=BEIJING)
    InsuredPerson.objects.filter(pk=person.pk).update(pension=Decimal(pension))
    assess("202605", region=BEIJING)
    # when
    credits.monthly_credit_run(region_code=BEIJING)
    # then
    assert balance(person, BEIJING) == Decimal(amount)
    verify_ledger()


@time_machine.travel(NOW)
@pytest.mark.parametrize(("pension", "amount"), [("4321.55", "172.86"), ("16000.00", "600.00")])
def test_shanghai_credits_4_percent_of_the_own_pension_up_to_600(assess, retiree, pension, amount):
    """Seed 004: 上海市为养老金的4%，最高不超过600元; the age bands play no part."""
    person = retiree(born=dt.date(1940, 1, 1), region=SHANGHAI)
    InsuredPerson.objects.filter(pk=person.pk).update(pension=Decimal(pension))
    assess("202605", region=SHANGHAI)
    credits.monthly_credit_run(region_code=SHANGHAI)
    assert balance(person, SHANGHAI) == Decimal(amount)


@time_machine.travel(NOW)
def test_a_retiree_with_no_known_pension_gets_nothing_under_the_own_pension_rule(assess, retiree):
    person = retiree(born=dt.date(1958, 1, 1), region=BEIJING)
    assess("202605", region=BEIJING)
    run = credits.monthly_credit_run(region_code=BEIJING)
    assert (run.credited_count, balance(person, BEIJING)) == (0, Decimal("0.00"))


@time_machine.travel(NOW)
def test_a_retiree_whose_account_closed_or_moved_is_credited_nowhere_else(assess):
    """Moved from Taiyuan to Xi'an in May: the closed Taiyuan account gets nothing more, and
    Xi'an credits only from its account's first month; no month twice, no other account."""
    # given: credited in Taiyuan for April; then the account closed as a transfer leaves it
    person = InsuredPersonFactory(retired=True, birth_date=dt.date(1950, 3, 3))
    old = personal_accounts.personal_account_open(
        person=person, region=Region.objects.get(pk=TAIYUAN), opened_period="202401"
    )
    assess("202604", region=TAIYUAN)
    credits.monthly_credit_run(region_code=TAIYUAN)
    PersonalAccount.objects.filter(pk=old.pk).update(status=PersonalAccount.Status.CLOSED)
    personal_accounts.personal_account_open(
        person=person, region=Region.objects.get(pk=XIAN), opened_period="202605"
    )
    assess("202605", region=TAIYUAN)
    assess("202604", "202605", region=XIAN)
    # when
    for code in (TAIYUAN, XIAN, BEIJING):
        credits.monthly_credit_run(region_code=code)
    # then
    assert credited(person) == [(TAIYUAN, "202604", 8_500), (XIAN, "202605", 8_250)]
    verify_ledger()
