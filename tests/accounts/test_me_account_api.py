"""What an insured person sees of their account through the API — and only their own."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import PersonalAccount
from accounts.services import credits, ledger, personal_accounts
from accounts.services.api_tokens import api_token_issue
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def credited_person(person, contribute, assess):
    for period in ("202602", "202603", "202604"):
        contribute(person, period)
    contribute(person, "202512")
    assess("202512", "202602", "202603", "202604")
    credits.monthly_credit_run(region_code="610100")
    return person


def test_account_shows_every_part_of_the_balance(credited_person, person_client):
    body = person_client.get("/api/v1/me/account/").json()
    assert body == {
        "status": "ACTIVE",
        "status_reason": "",
        "balance": "640.00",
        "current_year": "640.00",
        "carried_over": "0.00",
        "available": "640.00",
    }


def test_a_frozen_account_keeps_its_balance_but_nothing_is_available(
    credited_person, person_client
):
    account = PersonalAccount.objects.get(person=credited_person)
    personal_accounts.personal_account_freeze(account=account, reason="转入城乡居民医保")
    body = person_client.get("/api/v1/me/account/").json()
    assert (body["status"], body["balance"], body["available"]) == ("FROZEN", "640.00", "0.00")
    assert body["status_reason"] == "转入城乡居民医保"


def test_a_resident_without_a_personal_account_is_told_so(person_client):
    response = person_client.get("/api/v1/me/account/")
    assert response.status_code == 404
    assert "个人账户" in response.json()["detail"]


def test_credits_are_listed_by_year(credited_person, person_client):
    assert person_client.get("/api/v1/me/credits/?year=2026").json() == [
        {"period": "202602", "amount": "160.00", "kind": "IN_SERVICE"},
        {"period": "202603", "amount": "160.00", "kind": "IN_SERVICE"},
        {"period": "202604", "amount": "160.00", "kind": "IN_SERVICE"},
    ]
    assert [c["period"] for c in person_client.get("/api/v1/me/credits/?year=2025").json()] == [
        "202512"
    ]


def test_a_bad_year_is_a_400_naming_the_parameter(person_client):
    response = person_client.get("/api/v1/me/credits/?year=abc")
    assert response.status_code == 400
    assert "year" in response.json()["errors"]


def test_contributions_show_employer_and_individual_shares(credited_person, person_client):
    rows = person_client.get("/api/v1/me/contributions/?year=2026").json()
    assert rows[0] == {
        "region": "610100",
        "period": "202604",
        "base": "8000.00",
        "employer_share": "640.00",
        "individual_share": "160.00",
        "paid_at": rows[0]["paid_at"],
    }
    assert len(rows) == 3


def test_postings_are_paginated_and_signed_from_the_persons_side(credited_person, person_client):
    account = PersonalAccount.objects.get(person=credited_person)
    ledger_fund = ledger.region_account(region=account.region)
    personal_accounts.personal_account_spend(
        account=account,
        to_account=ledger_fund,
        amount_fen=1250,
        kind="PHARMACY",
        idempotency_key="pharmacy:1",
    )
    body = person_client.get("/api/v1/me/postings/").json()
    assert body["count"] == 5
    assert body["results"][0]["amount"] == "-12.50"
    assert body["results"][-1]["amount"] == "160.00"
    assert body["results"][-1]["kind_name"] == "月度划入（在职）"
    assert body["results"][0]["kind_name"] == "PHARMACY"  # a code no app declared shows as is


def test_nobody_sees_another_persons_account(credited_person, api_client):
    stranger = InsuredPersonFactory(with_user=True)
    api_client.force_authenticate(stranger.user)
    assert api_client.get("/api/v1/me/account/").status_code == 404
    assert api_client.get("/api/v1/me/credits/?year=2026").json() == []
    assert api_client.get("/api/v1/me/postings/").json()["count"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/me/account/",
        "/api/v1/me/credits/",
        "/api/v1/me/contributions/",
        "/api/v1/me/postings/",
    ],
)
def test_account_endpoints_need_a_signed_in_person(api_client, url):
    assert api_client.get(url).status_code == 401


def test_pages_of_the_api_use_a_constant_number_of_queries(
    credited_person, person_client, contribute, assess, django_assert_num_queries
):
    urls = [
        "/api/v1/me/account/",
        "/api/v1/me/credits/",
        "/api/v1/me/contributions/",
        "/api/v1/me/postings/",
    ]
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            person_client.get(url)
        counts[url] = len(captured.captured_queries)
    for period in ("202601", "202605"):
        contribute(credited_person, period)
    assess("202601", "202605")
    credits.monthly_credit_run(region_code="610100")
    for url in urls:
        with django_assert_num_queries(counts[url]):
            person_client.get(url)


def test_with_a_token_the_account_is_two_queries(credited_person, django_assert_num_queries):
    """The token's query brings its user and the user's person; the balances are the other."""
    # given
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=credited_person.user)}")
    # when
    with django_assert_num_queries(2):
        response = client.get("/api/v1/me/account/")
    # then
    assert response.json()["balance"] == "640.00"
