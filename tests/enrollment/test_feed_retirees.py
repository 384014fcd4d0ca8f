"""Retirees in the person feed (API.md `retired_at`, `pension`): a retiree fed with an active
employee record has a personal account, and gets the retiree credit of each assessed period
after retirement though no contribution is ever paid for them."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import AccountingPeriod, Contribution, InsuredPerson, PersonalAccount, Region
from accounts.services import credits, periods
from tests.factories import EmployerFactory, make_national_id

pytestmark = pytest.mark.django_db

URL = "/api/v1/feed/persons/"
NOW = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)
TAIYUAN = "140100"


def retiree_row(*, employer_code: str, **overrides) -> dict:
    row = {
        "national_id": make_national_id(7, prefix="140105", birth=dt.date(1963, 2, 2)),
        "name": "李退休",
        "retired": True,
        "retired_at": "2026-01-31",
        "pension": "4200.00",
        "enrollments": [
            {
                "region": TAIYUAN,
                "scheme": "EMPLOYEE",
                "employer_code": employer_code,
                "status": "ACTIVE",
                "registered_at": "2015-03-01",
            }
        ],
    }
    row.update(overrides)
    return row


def assess(*codes: str) -> None:
    region = Region.objects.get(pk=TAIYUAN)
    for code in codes:
        row = periods.accounting_period_open(region=region, period=code)
        if row.status == AccountingPeriod.Status.OPEN:
            periods.accounting_period_assess(period=row)


@time_machine.travel(NOW)
def test_a_retiree_fed_with_an_active_employee_record_is_credited_each_assessed_period(
    service_client,
):
    # given: retired end of January 2026; Taiyuan has assessed January to April, May is open
    employer = EmployerFactory(region_id=TAIYUAN)
    assess("202601", "202602", "202603", "202604")
    periods.accounting_period_open(region=Region.objects.get(pk=TAIYUAN), period="202605")
    # when: the feed brings the retiree, then the credit job runs
    response = service_client.post(
        URL, {"persons": [retiree_row(employer_code=employer.code)]}, format="json"
    )
    run = credits.monthly_credit_run(region_code=TAIYUAN)
    # then: an account, no contribution, 85 a month for February to April
    assert response.status_code == 200, response.json()
    person = InsuredPerson.objects.get(name="李退休")
    account = PersonalAccount.objects.select_related("current", "carried").get(person=person)
    assert account.status == PersonalAccount.Status.ACTIVE
    assert not Contribution.objects.filter(person=person).exists()
    assert (run.credited_count, run.retiree_count) == (3, 3)
    assert account.balance == Decimal("255.00")
    call_command("verify_ledger", stdout=io.StringIO())


def test_the_feed_keeps_the_retirement_date_and_the_pension(service_client):
    employer = EmployerFactory(region_id=TAIYUAN)
    response = service_client.post(
        URL, {"persons": [retiree_row(employer_code=employer.code)]}, format="json"
    )
    assert response.status_code == 200, response.json()
    person = InsuredPerson.objects.get(name="李退休")
    assert (person.retired_at, person.pension) == (dt.date(2026, 1, 31), Decimal("4200.00"))


def test_a_row_without_the_date_keeps_the_known_retirement_date(service_client):
    employer = EmployerFactory(region_id=TAIYUAN)
    service_client.post(URL, {"persons": [retiree_row(employer_code=employer.code)]}, format="json")
    row = retiree_row(employer_code=employer.code)
    del row["retired_at"]
    response = service_client.post(URL, {"persons": [row]}, format="json")
    assert response.status_code == 200, response.json()
    assert InsuredPerson.objects.get(name="李退休").retired_at == dt.date(2026, 1, 31)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"retired": False, "pension": None}, "retired_at"),
        ({"retired_at": "1950-01-01"}, "retired_at"),
    ],
)
def test_a_retirement_date_for_someone_not_retired_or_before_birth_is_refused(
    service_client, overrides, field
):
    employer = EmployerFactory(region_id=TAIYUAN)
    row = retiree_row(employer_code=employer.code, **overrides)
    response = service_client.post(URL, {"persons": [row]}, format="json")
    assert response.status_code == 400
    assert field in str(response.json())
    assert not InsuredPerson.objects.filter(name="李退休").exists()
