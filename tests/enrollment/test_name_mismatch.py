"""Rule 5: the same national ID with a different name is never renamed silently. Its records in
that region are suspended and a case opened; the employer (employees) or staff (residents)
confirm the right name, and the records come back."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AuditEvent, User
from enrollment.models import DuplicateCase, EnrollmentStatus
from enrollment.services import cases
from tests.enrollment.factories import statuses
from tests.enrollment.test_feed_persons import URL as FEED_URL
from tests.enrollment.test_feed_persons import person_row
from tests.factories import EmployerFactory, InsuredPersonFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTIVE, SUSPENDED = EnrollmentStatus.ACTIVE, EnrollmentStatus.SUSPENDED
CASES_URL = "/api/v1/employer/verification-cases/"


def employer_client(employer) -> APIClient:
    employer.user = UserFactory(kind=User.Kind.EMPLOYER, username=employer.code)
    employer.save()
    client = APIClient()
    client.force_authenticate(employer.user)
    return client


@pytest.fixture
def mismatch_from_feed(service_client, enroll):
    """李娜 is employed in Xi'an; the feed reports her ID under the name 李那."""
    person = InsuredPersonFactory(name="李娜")
    employee = enroll(person, "EMPLOYEE", "610100")
    row = person_row(
        1, employer_code=employee.employer.code, national_id=person.national_id, name="李那"
    )
    body = service_client.post(FEED_URL, {"persons": [row]}, format="json").json()
    assert body["verification_cases"] == 1
    return person, employee, row


def test_the_employer_confirms_the_name_and_the_record_is_restored(
    mismatch_from_feed, service_client, django_capture_on_commit_callbacks
):
    """由单位核实重复参保人的正确信息后，再进行办理信息更新和恢复参保手续."""
    # given
    person, employee, row = mismatch_from_feed
    assert statuses(employee) == [SUSPENDED]
    client = employer_client(employee.employer)
    listed = client.get(CASES_URL).json()["results"]
    assert [(c["name"], c["reported_name"], c["status"]) for c in listed] == [
        ("李娜", "李那", "OPEN")
    ]
    assert person.national_id not in str(listed)  # masked
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{CASES_URL}{listed[0]['id']}/confirm/", {"name": "李娜"})
    # then
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "DECIDED"
    assert statuses(employee) == [ACTIVE]
    case = DuplicateCase.objects.get(person=person)
    assert (case.confirmed_name, case.decided_by) == ("李娜", employee.employer.user)
    person.refresh_from_db()
    assert person.name == "李娜"
    # and the verified wrong name no longer suspends anything
    again = service_client.post(FEED_URL, {"persons": [row]}, format="json").json()
    assert again["verification_cases"] == 0
    assert statuses(employee) == [ACTIVE]


def test_confirming_the_reported_name_renames_the_person_with_an_audit_entry(mismatch_from_feed):
    """The name, each record restored and the case: who confirmed, before and after."""
    # given
    person, employee, _row = mismatch_from_feed
    case = DuplicateCase.objects.get(person=person)
    staff = StaffUserFactory(regions=["610100"])
    # when
    cases.name_mismatch_confirm(case=case, name="李那", by=staff)
    # then
    person.refresh_from_db()
    assert person.name == "李那"
    assert statuses(employee) == [ACTIVE]
    events = {
        e.object_type: e for e in AuditEvent.objects.filter(action="duplicate_case.name_confirm")
    }
    assert {e.actor for e in events.values()} == {staff}
    named = events["accounts.insuredperson"]
    assert (named.object_id, named.before, named.after) == (
        person.pk,
        {"name": "李娜"},
        {"name": "李那"},
    )
    record = events["enrollment.enrollment"]
    assert record.object_id == employee.pk
    assert (record.before["status"], record.after["status"]) == (SUSPENDED, ACTIVE)
    assert (record.before["reported_name"], record.after["reported_name"]) == ("李那", "")
    decided = events["enrollment.duplicatecase"]
    assert decided.before == {"status": "OPEN", "confirmed_name": ""}
    assert decided.after == {"status": "DECIDED", "confirmed_name": "李那"}


def test_another_employer_neither_sees_nor_confirms_the_case(mismatch_from_feed):
    person, _employee, _row = mismatch_from_feed
    other = employer_client(EmployerFactory())
    assert other.get(CASES_URL).json()["results"] == []
    case = DuplicateCase.objects.get(person=person)
    assert other.post(f"{CASES_URL}{case.pk}/confirm/", {"name": "李娜"}).status_code == 404
    assert DuplicateCase.objects.get(pk=case.pk).status == DuplicateCase.Status.OPEN


def test_a_blank_name_is_refused_with_the_field_named(mismatch_from_feed):
    person, employee, _row = mismatch_from_feed
    client = employer_client(employee.employer)
    case = DuplicateCase.objects.get(person=person)
    response = client.post(f"{CASES_URL}{case.pk}/confirm/", {"name": "  "})
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_a_resident_case_is_for_staff_not_the_employer(enroll, resolve, client):
    """居民则请和社区联系，由社区统一报送至医保中心: staff confirm in the admin."""
    # given: a legacy resident record in Xi'an carries another name
    person = InsuredPersonFactory(name="王芳")
    resident = enroll(person, "RESIDENT", "610100", reported_name="王方")
    resolve()
    case = DuplicateCase.objects.get(person=person)
    assert (case.rule, case.status, case.reported_name) == (
        DuplicateCase.Rule.NAME_MISMATCH,
        DuplicateCase.Status.OPEN,
        "王方",
    )
    employer = EmployerFactory()
    employer_client(employer)
    with pytest.raises(cases.BusinessRuleViolation):
        cases.name_mismatch_confirm(case=case, name="王芳", by=employer.user)
    with pytest.raises(cases.BusinessRuleViolation):
        cases.name_mismatch_confirm(case=case, name="王芳", by=StaffUserFactory(regions=["140100"]))
    # when: Xi'an staff confirm through the admin form
    staff = StaffUserFactory(
        regions=["610100"],
        permissions=["enrollment.view_duplicatecase", "enrollment.change_duplicatecase"],
    )
    client.force_login(staff)
    url = reverse("admin:enrollment_duplicatecase_confirm_name", args=[case.pk])
    assert "王方" in client.get(url).content.decode()
    response = client.post(url, {"name": "王芳"})
    # then
    assert response.status_code == 302
    assert statuses(resident) == [ACTIVE]
    case.refresh_from_db()
    assert (case.status, case.decided_by) == (DuplicateCase.Status.DECIDED, staff)
    resident.refresh_from_db()
    assert resident.reported_name == ""


def test_an_unverified_record_suspends_its_region_and_decides_nothing_elsewhere(enroll, resolve):
    """A legacy Xi'an record with another name is suspended with all of the person's Xi'an
    records; it does not take part in 就高就新, so the Taiyuan employee stays."""
    # given
    person = InsuredPersonFactory(name="赵敏")
    xian_wrong = enroll(
        person, "EMPLOYEE", "610100", record_id="L1", reported_name="赵民", paid="2026-11-05"
    )
    xian_right = enroll(person, "EMPLOYEE", "610100", record_id="L2", paid="2026-01-05")
    taiyuan = enroll(person, "EMPLOYEE", "140100", paid="2026-06-05")
    # when
    run = resolve()
    # then
    assert statuses(xian_wrong, xian_right, taiyuan) == [SUSPENDED, SUSPENDED, ACTIVE]
    case = DuplicateCase.objects.get(person=person)
    assert case.rule == DuplicateCase.Rule.NAME_MISMATCH
    assert sorted(case.changes.values_list("enrollment_id", flat=True)) == sorted(
        [xian_wrong.pk, xian_right.pk]
    )
    assert run.counts["cases"] == {"NAME_MISMATCH": 1}
    assert resolve().counts["cases"] == {}


def test_after_confirmation_the_restored_records_are_resolved(
    enroll, resolve, django_capture_on_commit_callbacks
):
    """Same name confirmed: the two Xi'an records are duplicates of one person → merged."""
    person = InsuredPersonFactory(name="赵敏")
    wrong = enroll(
        person, "EMPLOYEE", "610100", record_id="L1", reported_name="赵民", paid="2026-11-05"
    )
    right = enroll(person, "EMPLOYEE", "610100", record_id="L2", paid="2026-01-05")
    resolve()
    case = DuplicateCase.objects.get(person=person)
    with django_capture_on_commit_callbacks(execute=True):
        cases.name_mismatch_confirm(case=case, name="赵敏", by=StaffUserFactory(regions=["610100"]))
    assert statuses(wrong, right) == [ACTIVE, EnrollmentStatus.MERGED]


def test_a_name_case_is_settled_by_confirmation_not_revert(mismatch_from_feed):
    person, _employee, _row = mismatch_from_feed
    case = DuplicateCase.objects.get(person=person)
    with pytest.raises(cases.BusinessRuleViolation, match="确认姓名"):
        cases.duplicate_case_revert(case=case, by=StaffUserFactory(regions=["610100"]))
