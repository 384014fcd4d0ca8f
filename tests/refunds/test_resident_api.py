"""API.md /api/v1/refunds/resident/: apply (multipart) → {id, status}; the list and one
application with status, due date and timeline; a person sees only what they applied for."""

import pytest
from rest_framework.test import APIClient

from refunds.services import resident

from .resident import (
    application_form,
    apply,
    documents,
    person_with_login,
    premium,
    staff,
    waiting_refund,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "in_window")]
URL = "/api/v1/refunds/resident/"


def client_of(person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person.user)
    return client


def test_a_person_applies_and_follows_the_progress():
    person = person_with_login()
    premium(person)
    client = client_of(person)
    created = client.post(URL, application_form(), format="multipart")
    assert created.status_code == 201, created.json()
    refund_id = created.json()["id"]
    assert created.json() == {"id": refund_id, "status": "WAITING"}
    detail = client.get(f"{URL}{refund_id}/").json()
    assert (detail["status"], detail["due_date"], detail["amount"]) == (
        "WAITING",
        "2025-11-12",
        "380.00",
    )
    assert [step["status"] for step in detail["timeline"]] == ["WAITING"]
    assert detail["bank_account"] == "****0001"
    assert [row["id"] for row in client.get(URL).json()["results"]] == [refund_id]


def test_a_refusal_names_the_field_and_rule():
    person = person_with_login()
    response = client_of(person).post(URL, application_form(), format="multipart")
    assert response.status_code == 409
    # the API's error shape carries the field and the message saying which rule
    assert list(response.json()["errors"]) == ["year"]
    assert "缴费记录" in response.json()["errors"]["year"][0]


def test_materials_asked_for_are_sent_through_the_api():
    refund = waiting_refund()
    resident.resident_refund_materials_request(refund_id=refund.pk, by=staff(), note="凭证")
    client = client_of(refund.applicant)
    response = client.post(
        f"{URL}{refund.pk}/materials/", documents("supplement"), format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "WAITING"
    assert [s["status"] for s in response.json()["timeline"]] == [
        "WAITING",
        "MATERIALS_REQUESTED",
        "WAITING",
    ]


def test_a_person_sees_only_their_own_applications():
    mine, theirs = waiting_refund(), waiting_refund()
    client = client_of(mine.applicant)
    assert [row["id"] for row in client.get(URL).json()["results"]] == [mine.pk]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    resident.resident_refund_materials_request(refund_id=theirs.pk, by=staff(), note="x")
    sent = client.post(f"{URL}{theirs.pk}/materials/", documents("supplement"), format="multipart")
    assert sent.status_code == 404


def test_the_list_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    refund = waiting_refund()
    client = client_of(refund.applicant)
    client.get(URL)
    with django_assert_max_num_queries(10) as few:
        client.get(URL)
    premium(refund.applicant, region="140100")
    apply(refund.applicant, region="140100")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 2
