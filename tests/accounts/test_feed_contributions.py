"""POST /api/v1/feed/contributions/: shares from the policy, idempotent, all-or-nothing."""

import pytest

from accounts.models import Contribution, PersonalAccount
from accounts.services.personal_accounts import personal_account_freeze
from tests.factories import EnrollmentFactory, InsuredPersonFactory, employee_account

pytestmark = pytest.mark.django_db

URL = "/api/v1/feed/contributions/"


def row(person, **overrides):
    return {
        "national_id": person.national_id,
        "region": "610100",
        "period": "202604",
        "base": "8000.00",
        "paid_at": "2026-05-10T10:00:00+08:00",
        **overrides,
    }


def test_a_contribution_gets_its_shares_from_the_region_policy(service_client):
    # given
    person = InsuredPersonFactory()
    account = employee_account(person)
    # when
    response = service_client.post(URL, {"contributions": [row(person)]}, format="json")
    # then
    assert response.json() == {"created": 1, "paid": 0, "unchanged": 0}
    contribution = Contribution.objects.get()
    assert (contribution.employer_share_fen, contribution.individual_share_fen) == (64000, 16000)
    assert contribution.account == account


def test_a_repeat_is_idempotent_and_a_late_arrival_is_recorded(service_client):
    person = InsuredPersonFactory()
    employee_account(person)
    unpaid = row(person, paid_at=None)
    assert (
        service_client.post(URL, {"contributions": [unpaid]}, format="json").json()["created"] == 1
    )
    assert service_client.post(URL, {"contributions": [unpaid]}, format="json").json() == {
        "created": 0,
        "paid": 0,
        "unchanged": 1,
    }
    assert service_client.post(URL, {"contributions": [row(person)]}, format="json").json() == {
        "created": 0,
        "paid": 1,
        "unchanged": 0,
    }
    assert Contribution.objects.get().paid_at is not None
    assert PersonalAccount.objects.count() == 1


def test_bad_rows_reject_the_whole_request_naming_each_row(service_client):
    person = InsuredPersonFactory()
    rows = [
        row(person),
        row(person, national_id="11010519491231002X"),  # valid ID, unknown person
        row(person, period="202613"),
        row(person, base="-5.00", period="202603"),
        row(person, region="999999", period="202602"),
        row(person, base="12.345", period="202601"),
    ]
    response = service_client.post(URL, {"contributions": rows}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "contributions[1].national_id",
        "contributions[2].period",
        "contributions[3].base",
        "contributions[4].region",
        "contributions[5].base",
    }
    assert not Contribution.objects.exists()
    assert not PersonalAccount.objects.exists()


def test_the_same_period_twice_in_one_request_is_refused(service_client):
    person = InsuredPersonFactory()
    response = service_client.post(
        URL, {"contributions": [row(person), row(person)]}, format="json"
    )
    assert "contributions[1].period" in response.json()["errors"]


def test_a_contribution_feed_runs_a_bounded_number_of_queries(
    service_client, django_assert_max_num_queries
):
    people = InsuredPersonFactory.create_batch(50)
    for person in people:
        employee_account(person)
    with django_assert_max_num_queries(25):
        response = service_client.post(
            URL, {"contributions": [row(p) for p in people]}, format="json"
        )
    assert response.json()["created"] == 50


def test_only_a_service_token_may_report_contributions(person_client):
    assert person_client.post(URL, {"contributions": []}, format="json").status_code == 403


# Who has a personal account (SPEC §2): only employee/flexible insurance


def test_a_resident_only_person_gets_no_account_and_the_batch_is_refused(service_client):
    """A contribution for a person with no employee or flexible enrollment in that region is
    refused as a row error naming the row and field; the batch is all-or-nothing."""
    # given: an employee with an account, and a resident-only person in Xi'an
    employee = InsuredPersonFactory()
    employee_account(employee)
    resident = EnrollmentFactory(scheme="RESIDENT", employer=None).person
    # when
    response = service_client.post(
        URL, {"contributions": [row(employee), row(resident)]}, format="json"
    )
    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["contributions[1].region"]
    assert not Contribution.objects.exists()
    assert not PersonalAccount.objects.filter(person=resident).exists()


def test_an_account_in_another_region_does_not_take_the_contribution(service_client):
    """The account must be in the contribution's region: Taiyuan's does not do for Xi'an."""
    person = InsuredPersonFactory()
    employee_account(person, "140100")
    response = service_client.post(URL, {"contributions": [row(person)]}, format="json")
    assert response.status_code == 400
    assert "contributions[0].region" in response.json()["errors"]
    assert PersonalAccount.objects.filter(person=person).count() == 1


def test_a_frozen_account_still_receives_what_was_paid(service_client):
    """Frozen (封存) is not closed: a late receipt for an employee period still lands."""
    person = InsuredPersonFactory()
    account = personal_account_freeze(account=employee_account(person), reason="停保转居民医保")
    response = service_client.post(URL, {"contributions": [row(person)]}, format="json")
    assert response.json()["created"] == 1
    assert Contribution.objects.get().account == account
