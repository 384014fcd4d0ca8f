"""The person's account page: balances, a chart and table of monthly credits, postings."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import PersonalAccount
from accounts.services import credits, ledger, personal_accounts
from tests.factories import EmployerFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/account/"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def signed_in(client, person, contribute, assess):
    for period in ("202602", "202603"):
        contribute(person, period)
    assess("202602", "202603")
    credits.monthly_credit_run(region_code="610100")
    client.force_login(person.user)
    return client


def test_the_page_shows_balances_chart_and_credits(signed_in):
    page = signed_in.get(URL).content.decode()
    assert "320.00" in page
    assert page.count('class="credit-chart__bar') == 12
    assert page.count("credit-chart__bar--empty") == 10
    assert "2026年2月" in page and "2026年3月" in page
    assert "月度划入（在职）" in page and "CREDIT_IN_SERVICE" not in page


def test_a_frozen_account_is_explained(signed_in, person):
    personal_accounts.personal_account_freeze(
        account=PersonalAccount.objects.get(person=person), reason="转入城乡居民医保"
    )
    page = signed_in.get(URL).content.decode()
    assert "个人账户已封存" in page
    assert "转入城乡居民医保" in page


def test_another_year_is_chosen_with_the_year_parameter(signed_in):
    page = signed_in.get(URL, {"year": "2025"}).content.decode()
    assert "本年度暂无划入记录" in page
    assert signed_in.get(URL, {"year": "abc"}).status_code == 200


def test_the_page_runs_a_constant_number_of_queries(signed_in, person, contribute, assess):
    signed_in.get(URL)  # the session's first request records its activity time (a write)
    with CaptureQueriesContext(connection) as before:
        signed_in.get(URL)
    for period in ("202601", "202604", "202605"):
        contribute(person, period)
    assess("202601", "202604", "202605")
    credits.monthly_credit_run(region_code="610100")
    with CaptureQueriesContext(connection) as after:
        signed_in.get(URL)
    assert len(after.captured_queries) == len(before.captured_queries)
    # session, user, person, personal accounts, credits and years, contributions, statement
    assert len(before.captured_queries) == 7


def test_only_persons_have_an_account_page(client):
    assert client.get(URL).status_code == 302  # to the login page
    employer = EmployerFactory()
    employer.user = UserFactory(kind="EMPLOYER")
    employer.save()
    client.force_login(employer.user)
    assert client.get(URL).status_code == 403


def test_the_statement_pages_keep_the_chosen_year(signed_in, person):
    # given: 2 credits and 20 payments, more than one page of 20
    account = PersonalAccount.objects.get(person=person)
    pharmacy = ledger.external_account(code="PHARMACY")
    for n in range(20):
        personal_accounts.personal_account_spend(
            account=account,
            to_account=pharmacy,
            amount_fen=1,
            kind="MEDICAL",
            idempotency_key=f"bill:{n}",
        )
    # when / then: 更早 continues after the last row shown, 回到最新 goes back
    first = signed_in.get(URL, {"year": "2026"}).content.decode()
    older = first.split("?year=2026&amp;before=")[1].split("#")[0]
    assert "回到最新" not in first
    second = signed_in.get(URL, {"year": "2026", "before": older}).content.decode()
    assert 'href="?year=2026#statement"' in second and "更早的记录" not in second
    assert second.count("月度划入（在职）") == 2 + 2  # the credits table's and the statement's
