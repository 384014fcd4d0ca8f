"""POST /api/v1/feed/contributions/: shares from the policy, idempotent, all-or-nothing."""

import pytest

from accounts.models import Contribution, PersonalAccount
from tests.factories import InsuredPersonFactory

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
    # when
    response = service_client.post(URL, {"contributions": [row(person)]}, format="json")
    # then
    assert response.json() == {"created": 1, "paid": 0, "unchanged": 0}
    contribution = Contribution.objects.get()
    assert (contribution.employer_share_fen, contribution.individual_share_fen) == (64000, 16000)
    assert contribution.account == PersonalAccount.objects.get(person=person)


def test_a_repeat_is_idempotent_and_a_late_arrival_is_recorded(service_client):
    person = InsuredPersonFactory()
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
    with django_assert_max_num_queries(25):
        response = service_client.post(
            URL, {"contributions": [row(p) for p in people]}, format="json"
        )
    assert response.json()["created"] == 50


def test_only_a_service_token_may_report_contributions(person_client):
    assert person_client.post(URL, {"contributions": []}, format="json").status_code == 403
