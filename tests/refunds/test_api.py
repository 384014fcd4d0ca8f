"""API.md: the tax department's feed of refund batches, and the employer's paths; one employer
never sees another's batches, items or pending account (404 / its own only)."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from refunds.models import RefundBatch
from refunds.services import batches
from tests.factories import EmployerFactory, UserFactory

from .conftest import receive
from .factories import batch_payload, employer_with_employees, item

pytestmark = pytest.mark.django_db
FEED = "/api/v1/feed/refund-batches/"


def employer_client(employer) -> APIClient:
    employer.user = UserFactory(username=employer.code, kind="EMPLOYER")
    employer.save(update_fields=["user"])
    client = APIClient()
    client.force_authenticate(employer.user)
    return client


def test_the_feed_receives_a_batch(service_client):
    employer, (person,) = employer_with_employees(1)
    payload = batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")])
    response = service_client.post(FEED, payload, format="json")
    assert response.status_code == 201, response.json()
    batch = RefundBatch.objects.get()
    assert response.json() == {"id": batch.pk, "status": "RECEIVED"}


def test_the_feed_reports_bad_rows_by_row_and_field(service_client):
    employer, (person,) = employer_with_employees(1)
    payload = batch_payload(
        employer,
        [
            item(person, "202404", "10000.00", "8000.00"),
            item(person, "202405", "10000.00", "10000.00"),
        ],
    )
    response = service_client.post(FEED, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["items[1].corrected_base"]
    assert not RefundBatch.objects.exists()


def test_the_same_reference_again_is_a_409_naming_it(service_client):
    employer, (person,) = employer_with_employees(1)
    payload = batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")])
    assert service_client.post(FEED, payload, format="json").status_code == 201
    again = service_client.post(FEED, payload, format="json")
    assert again.status_code == 409
    assert "SW-2024-001" in again.json()["errors"]["reference"][0]


@pytest.mark.parametrize("body", [[], "x", {"items": "x"}, {"periods": [1], "items": [1]}])
def test_the_feed_answers_malformed_bodies_with_400(service_client, body):
    assert service_client.post(FEED, body, format="json").status_code == 400


def test_only_the_feed_token_may_submit(person_client):
    assert person_client.post(FEED, {}, format="json").status_code == 403


def test_an_employer_sees_its_batches_items_and_pending_account_only(xian_staff):
    # given two employers with a batch each, the first approved
    mine, (person,) = employer_with_employees(1)
    theirs, (other,) = employer_with_employees(1)
    batch = receive(batch_payload(mine, [item(person, "202404", "10000.00", "8000.00")]))
    foreign = receive(
        batch_payload(theirs, [item(other, "202404", "10000.00", "7000.00")], reference="SW-2")
    )
    batches.refund_batch_approve(batch_id=batch.pk, by=xian_staff)
    batches.refund_batch_approve(batch_id=foreign.pk, by=xian_staff)
    client = employer_client(mine)
    # then the list holds its own batch with totals
    listed = client.get("/api/v1/employer/refund-batches/").json()["results"]
    assert [(b["reference"], b["status"], b["refund"]) for b in listed] == [
        ("SW-2024-001", "APPROVED", "200.00")
    ]
    assert (listed[0]["employer_refund"], listed[0]["individual_refund"]) == ("160.00", "40.00")
    # and the items with both shares, national IDs masked
    items = client.get(f"/api/v1/employer/refund-batches/{batch.pk}/items/").json()["results"]
    assert items[0]["employer_refund"] == "160.00" and items[0]["individual_refund"] == "40.00"
    assert "*" in items[0]["national_id"]
    # and another employer's batch is not found, as JSON or CSV
    for path in (
        f"/api/v1/employer/refund-batches/{foreign.pk}/",
        f"/api/v1/employer/refund-batches/{foreign.pk}/items/",
        f"/api/v1/employer/refund-batches/{foreign.pk}/items/?format=csv",
    ):
        assert client.get(path).status_code == 404, path
    # and the pending account is its own
    assert client.get("/api/v1/employer/pending-account/").json() == {"balance": "200.00"}
    postings = client.get("/api/v1/employer/pending-account/postings/").json()["results"]
    assert [(p["amount"], p["reference"]) for p in postings] == [("200.00", "SW-2024-001")]
    assert employer_client(EmployerFactory()).get("/api/v1/employer/pending-account/").json() == {
        "balance": "0.00"
    }
    call_command("verify_ledger", stdout=io.StringIO())


def test_the_csv_export_opens_in_excel(received_batch):
    """UTF-8 with a BOM first, amounts in yuan, one line per employee and month."""
    client = employer_client(received_batch.employer)
    response = client.get(f"/api/v1/employer/refund-batches/{received_batch.pk}/items/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 3
    assert lines[1].split(",")[2:] == [
        "202404",
        "10000.00",
        "8000.00",
        "8000.00",
        "800.00",
        "640.00",
        "160.00",
        "200.00",
        "160.00",
        "40.00",
        "200.00",
        "",
    ]


def test_persons_may_not_read_employer_paths(person_client):
    assert person_client.get("/api/v1/employer/refund-batches/").status_code == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reference", "SW\x00"),
        ("employer_code", "9161\x00"),
        ("region", "61\x0000"),
        ("national_id", "61010219600101\x00001"),
        ("paid_base", "1e999999"),
        ("corrected_base", "NaN"),
    ],
)
def test_hostile_values_are_a_400_naming_the_field(service_client, field, value):
    """NUL characters and absurd numbers are refused as bad input, never a 500."""
    employer, (person,) = employer_with_employees(1)
    payload = batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")])
    if field in payload:
        payload[field] = value
    else:
        payload["items"][0][field] = value
    response = service_client.post(FEED, payload, format="json")
    assert response.status_code == 400
    assert any(key.endswith(field) for key in response.json()["errors"]), response.json()
