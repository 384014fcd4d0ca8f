"""Person-feed edges (issue 11, item 12): an employer does not move to another region while
its employees are enrolled in the old one; a retirement set in the admin waits for the
period gate in every region of the person's records, as the person feed does."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Employer, Region
from accounts.services import periods
from enrollment.models import EnrollmentStatus, Scheme
from tests.factories import (
    EmployerFactory,
    EnrollmentFactory,
    InsuredPersonFactory,
    StaffUserFactory,
    make_credit_code,
)

pytestmark = pytest.mark.django_db

EMPLOYERS = "/api/v1/feed/employers/"


def test_an_employer_with_employees_enrolled_does_not_move_region(service_client):
    """A move to another region while employees are enrolled in the old one is a row error
    naming the row and `region`; the whole batch waits. Once they stopped, it moves."""
    # given a Xi'an employer with one enrolled employee, and one with none
    employer, empty = EmployerFactory(name="甲单位"), EmployerFactory(name="乙单位")
    employee = EnrollmentFactory(employer=employer, scheme=Scheme.EMPLOYEE, region_id="610100")
    rows = [
        {"code": make_credit_code(900), "name": "新单位", "region": "610100"},
        {"code": empty.code, "name": "乙单位", "region": "140100"},
        {"code": employer.code, "name": "甲单位", "region": "140100"},
    ]
    # when the feed moves both to Taiyuan
    response = service_client.post(EMPLOYERS, {"employers": rows}, format="json")
    # then
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"employers[2].region"}
    assert "1 名职工" in errors["employers[2].region"][0]
    assert "610100" in errors["employers[2].region"][0]
    assert Employer.objects.get(pk=empty.pk).region_id == "610100"
    assert not Employer.objects.filter(code=rows[0]["code"]).exists()
    # when the employee stopped, the same batch applies
    employee.status = EnrollmentStatus.STOPPED
    employee.save(update_fields=["status"])
    response = service_client.post(EMPLOYERS, {"employers": rows}, format="json")
    assert response.status_code == 200, response.json()
    assert Employer.objects.get(pk=employer.pk).region_id == "140100"


def test_a_retirement_from_the_admin_waits_in_a_region_of_the_persons_records(client):
    """The person feed refuses a retirement in a region under assessment for any record the
    person has there; the admin does the same, with or without a personal account there."""
    # given a resident of Xi'an (no personal account) and Xi'an's latest period assessed
    person = InsuredPersonFactory()
    EnrollmentFactory(person=person, region_id="610100", scheme=Scheme.RESIDENT)
    periods.accounting_period_assess(
        period=periods.accounting_period_open(
            region=Region.objects.get(pk="610100"), period="202606"
        )
    )
    client.force_login(
        StaffUserFactory(
            regions=["610100"],
            permissions=["accounts.view_insuredperson", "accounts.change_insuredperson"],
        )
    )
    # when staff set the retired flag
    response = client.post(
        reverse("admin:accounts_insuredperson_identity", args=[person.pk, "retired"]),
        {"retired": "1", "reason": "办理退休"},
    )
    # then it is refused, saying why
    assert response.status_code == 200
    assert "202606" in response.content.decode() and "暂停办理" in response.content.decode()
    person.refresh_from_db()
    assert person.retired is False and not AuditEvent.objects.exists()
