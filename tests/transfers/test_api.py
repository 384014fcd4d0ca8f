"""The transfer API exactly as API.md names it; a person sees only their own applications."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader
from rest_framework.test import APIClient

from accounts.models import Region
from tests.factories import InsuredPersonFactory, StaffUserFactory
from transfers.models import TransferApplication
from transfers.services import transfer_in_accept, transfer_out_approve

from .factories import TAIYUAN, XIAN, id_images, ready_person

pytestmark = pytest.mark.django_db
URL = "/api/v1/transfers/"


def client_for(person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person.user)
    return client


def post_application(client, **overrides):
    data = {"from_region": XIAN, "to_region": TAIYUAN, "scheme": "EMPLOYEE", **id_images()}
    data.update(overrides)
    return client.post(URL, data, format="multipart")


def test_apply_answers_id_and_status():
    person, _account = ready_person()
    response = post_application(client_for(person))
    assert response.status_code == 201, response.json()
    application = TransferApplication.objects.get(person=person)
    assert response.json() == {"id": application.pk, "status": "SUBMITTED"}


def test_a_refusal_names_every_unmet_condition_in_the_error_shape():
    person = InsuredPersonFactory(with_user=True)
    response = post_application(client_for(person))
    assert response.status_code == 409
    body = response.json()
    assert body["detail"].startswith("不能办理转移接续：1. ")
    assert "新参保地 太原市 尚未正常参保" in body["detail"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"from_region": "999999"}, "from_region"),
        ({"scheme": "NONE"}, "scheme"),
        ({"id_back": ""}, "id_back"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(overrides, field):
    person, _account = ready_person()
    response = post_application(client_for(person), **overrides)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_renamed_executable_is_a_400_on_its_field():
    person, _account = ready_person()
    exe = SimpleUploadedFile("id.jpg", b"MZ\x90\x00\x03" + b"\x00" * 100)
    response = post_application(client_for(person), id_front=exe)
    assert response.status_code == 400
    assert "id_front" in response.json()["errors"]


def test_detail_shows_status_due_dates_timeline_and_certificate():
    person, _account = ready_person()
    with time_machine.travel(dt.datetime(2025, 9, 26, 10, tzinfo=dt.UTC), tick=False):
        pk = post_application(client_for(person)).json()["id"]
    transfer_out_approve(
        application_id=pk, by=StaffUserFactory(regions=[Region.objects.get(pk=XIAN)])
    )
    body = client_for(person).get(f"{URL}{pk}/").json()
    assert body["status"] == "OUT_APPROVED"
    assert (body["from_region"], body["to_region"]) == (XIAN, TAIYUAN)
    assert (body["out_due"], body["complete_due"]) == ("2025-10-16", "2025-10-23")
    assert [(s["status"], s["by"]) for s in body["timeline"]] == [
        ("SUBMITTED", "申请人本人"),
        ("OUT_APPROVED", "转出地 西安市 医保经办机构"),
    ]
    assert body["certificate"] == f"{URL}{pk}/certificate/"
    assert [row["id"] for row in client_for(person).get(URL).json()] == [pk]


def test_the_certificate_pdf_shows_the_months_paid_by_year_and_the_balance():
    person, _account = ready_person(current_fen=100_00, carried_fen=2_345_67)
    pk = post_application(client_for(person)).json()["id"]
    transfer_out_approve(
        application_id=pk, by=StaffUserFactory(regions=[Region.objects.get(pk=XIAN)])
    )
    response = client_for(person).get(f"{URL}{pk}/certificate/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "2024 年：缴费 2 个月" in text
    assert "2025 年：缴费 2 个月" in text
    assert "实际缴费月数合计：4 个月" in text
    assert "2445.67" in text
    assert person.masked_national_id in text
    assert person.national_id not in text


def test_no_certificate_before_the_out_approval():
    person, _account = ready_person()
    pk = post_application(client_for(person)).json()["id"]
    assert client_for(person).get(f"{URL}{pk}/").json()["certificate"] is None
    assert client_for(person).get(f"{URL}{pk}/certificate/").status_code == 404


def test_someone_elses_application_is_not_found():
    person, _account = ready_person()
    pk = post_application(client_for(person)).json()["id"]
    other = client_for(InsuredPersonFactory(with_user=True))
    assert other.get(f"{URL}{pk}/").status_code == 404
    assert other.get(f"{URL}{pk}/certificate/").status_code == 404
    assert other.post(f"{URL}{pk}/withdraw/").status_code == 404
    assert other.get(URL).json() == []


def test_withdraw_while_submitted_then_refused_once_finished():
    person, _account = ready_person()
    client = client_for(person)
    pk = post_application(client).json()["id"]
    assert client.post(f"{URL}{pk}/withdraw/").json() == {"id": pk, "status": "WITHDRAWN"}
    assert client.post(f"{URL}{pk}/withdraw/").status_code == 409


def test_a_completed_transfer_reads_completed():
    person, _account = ready_person()
    pk = post_application(client_for(person)).json()["id"]
    transfer_out_approve(
        application_id=pk, by=StaffUserFactory(regions=[Region.objects.get(pk=XIAN)])
    )
    transfer_in_accept(
        application_id=pk, by=StaffUserFactory(regions=[Region.objects.get(pk=TAIYUAN)])
    )
    assert client_for(person).get(f"{URL}{pk}/").json()["status"] == "COMPLETED"


def test_anonymous_callers_are_refused():
    assert APIClient().get(URL).status_code in (401, 403)
