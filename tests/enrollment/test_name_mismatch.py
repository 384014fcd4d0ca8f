"""Rule 5: the same national ID with a different name is never renamed silently. Its records in
that region are suspended and a case opened. Name checks go through staff: the employer (or the
community, through staff, for residents) reports the right name — one of the two names on the
case, or a new one with a reason — and staff of the region confirm it in the admin, which
renames and restores; the person is notified. The employer cannot rename by itself."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import BusinessRuleViolation
from accounts.models import AuditEvent, Notification, User
from enrollment.models import DuplicateCase, EnrollmentStatus, NameReport
from enrollment.services import cases, name_checks
from tests.enrollment.factories import statuses
from tests.enrollment.test_feed_persons import URL as FEED_URL
from tests.enrollment.test_feed_persons import person_row
from tests.factories import EmployerFactory, InsuredPersonFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTIVE, SUSPENDED = EnrollmentStatus.ACTIVE, EnrollmentStatus.SUSPENDED
CASES_URL = "/api/v1/employer/verification-cases/"
CASE_PERMISSIONS = ["enrollment.view_duplicatecase", "enrollment.change_duplicatecase"]


def employer_client(employer) -> APIClient:
    employer.user = UserFactory(kind=User.Kind.EMPLOYER, username=employer.code)
    employer.save()
    client = APIClient()
    client.force_authenticate(employer.user)
    return client


def xian_staff(client=None, region="610100"):
    staff = StaffUserFactory(regions=[region], permissions=CASE_PERMISSIONS)
    if client is not None:
        client.force_login(staff)
    return staff


def confirm_url(case) -> str:
    return reverse("admin:enrollment_duplicatecase_confirm_name", args=[case.pk])


@pytest.fixture
def mismatch_from_feed(service_client, enroll):
    """李娜 is employed in Xi'an; the feed reports her ID under the name 李那."""
    person = InsuredPersonFactory(name="李娜", phone="13912345678")
    employee = enroll(person, "EMPLOYEE", "610100")
    row = person_row(
        1, employer_code=employee.employer.code, national_id=person.national_id, name="李那"
    )
    body = service_client.post(FEED_URL, {"persons": [row]}, format="json").json()
    assert body["verification_cases"] == 1
    return person, employee, row


def test_the_employers_report_changes_nothing_until_staff_confirm(mismatch_from_feed):
    """由单位核实重复参保人的正确信息: the employer's report is recorded and awaits staff; the
    person keeps the name, the record stays suspended, the case open."""
    # given
    person, employee, _row = mismatch_from_feed
    client = employer_client(employee.employer)
    listed = client.get(CASES_URL).json()["results"]
    assert [(c["name"], c["reported_name"], c["status"], c["report"]) for c in listed] == [
        ("李娜", "李那", "OPEN", None)
    ]
    assert person.national_id not in str(listed)  # masked
    # when
    response = client.post(f"{CASES_URL}{listed[0]['id']}/report/", {"name": "李那"})
    # then
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "OPEN"
    assert response.json()["report"]["status"] == "PENDING"
    assert response.json()["report"]["name"] == "李那"
    person.refresh_from_db()
    assert person.name == "李娜"
    assert statuses(employee) == [SUSPENDED]
    case = DuplicateCase.objects.get(person=person)
    assert (case.status, case.confirmed_name, case.decided_by) == ("OPEN", "", None)
    report = case.name_reports.get()
    assert (report.source, report.employer, report.reported_by) == (
        NameReport.Source.EMPLOYER,
        employee.employer,
        employee.employer.user,
    )
    # and a second report waits for the first to be decided
    again = client.post(f"{CASES_URL}{case.pk}/report/", {"name": "李娜"})
    assert again.status_code == 409
    assert case.name_reports.count() == 1


def test_the_employer_has_no_path_to_rename_or_restore(mismatch_from_feed):
    """The employer reports; confirming is for staff of the region, whoever asks."""
    person, employee, _row = mismatch_from_feed
    client = employer_client(employee.employer)
    case = DuplicateCase.objects.get(person=person)
    assert client.post(f"{CASES_URL}{case.pk}/confirm/", {"name": "李那"}).status_code == 404
    name_checks.name_report_create(case=case, name="李那", reason="", by=employee.employer.user)
    with pytest.raises(BusinessRuleViolation) as refused:
        name_checks.name_report_confirm(case=case, by=employee.employer.user)
    assert refused.value.status_code == 403
    assert statuses(employee) == [SUSPENDED]


def test_a_new_name_needs_a_reason(mismatch_from_feed):
    """Neither of the two names on the case: the report says why (e.g. the ID card)."""
    # given
    person, employee, _row = mismatch_from_feed
    client = employer_client(employee.employer)
    case = DuplicateCase.objects.get(person=person)
    # when
    refused = client.post(f"{CASES_URL}{case.pk}/report/", {"name": "李丽"})
    # then
    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]
    assert not case.name_reports.exists()
    # when the reason is given
    response = client.post(
        f"{CASES_URL}{case.pk}/report/", {"name": "李丽", "reason": "以居民身份证为准"}
    )
    # then
    assert response.status_code == 201
    assert case.name_reports.get().reason == "以居民身份证为准"


def test_a_reported_name_is_checked_like_every_name(mismatch_from_feed):
    person, employee, _row = mismatch_from_feed
    client = employer_client(employee.employer)
    case = DuplicateCase.objects.get(person=person)
    for bad in ("  ", "李\u200b娜"):
        response = client.post(f"{CASES_URL}{case.pk}/report/", {"name": bad, "reason": "证件"})
        assert response.status_code == 400
        assert "name" in response.json()["errors"]
    assert not case.name_reports.exists()


def test_staff_confirm_the_report_rename_restore_and_notify(
    mismatch_from_feed, client, django_capture_on_commit_callbacks
):
    """Confirming in the admin renames through the core (audited with the reason), restores
    the suspended record, decides the case and tells the person."""
    # given: the employer reported the feed's name
    person, employee, _row = mismatch_from_feed
    case = DuplicateCase.objects.get(person=person)
    employer_client(employee.employer)
    name_checks.name_report_create(case=case, name="李那", reason="", by=employee.employer.user)
    staff = xian_staff(client)
    page = client.get(confirm_url(case)).content.decode()
    assert "李那" in page and employee.employer.name in page
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url(case), {"confirm": "1"})
    # then
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "李那"
    assert statuses(employee) == [ACTIVE]
    case.refresh_from_db()
    assert (case.status, case.confirmed_name, case.decided_by) == ("DECIDED", "李那", staff)
    assert case.name_reports.get().status == NameReport.Status.CONFIRMED
    renamed = AuditEvent.objects.get(action="name_correct", object_id=person.pk)
    assert (renamed.actor, renamed.before, renamed.after) == (
        staff,
        {"name": "李娜"},
        {"name": "李那"},
    )
    assert f"#{case.pk}" in renamed.reason and employee.employer.name in renamed.reason
    events = {
        e.object_type: e for e in AuditEvent.objects.filter(action="duplicate_case.name_confirm")
    }
    record = events["enrollment.enrollment"]
    assert (record.actor, record.object_id) == (staff, employee.pk)
    assert (record.before["status"], record.after["status"]) == (SUSPENDED, ACTIVE)
    assert (record.before["reported_name"], record.after["reported_name"]) == ("李那", "")
    assert events["enrollment.duplicatecase"].after == {
        "status": "DECIDED",
        "confirmed_name": "李那",
    }
    assert events["enrollment.namereport"].after == {"status": "CONFIRMED"}
    notice = Notification.objects.get(person=person, reference="name-confirmed")
    assert (notice.kind, notice.phone) == (Notification.Kind.ENROLLMENT, "13912345678")
    assert "李那" in notice.text and "已恢复" in notice.text


def test_confirming_the_registered_name_restores_and_the_wrong_name_no_longer_suspends(
    mismatch_from_feed, service_client, django_capture_on_commit_callbacks
):
    """The registered name was right: no rename, the record is back, and the feed's wrong name
    no longer opens a case."""
    # given
    person, employee, row = mismatch_from_feed
    case = DuplicateCase.objects.get(person=person)
    employer_client(employee.employer)
    name_checks.name_report_create(case=case, name="李娜", reason="", by=employee.employer.user)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        name_checks.name_report_confirm(case=case, by=xian_staff())
    # then
    person.refresh_from_db()
    assert person.name == "李娜"
    assert not AuditEvent.objects.filter(action="name_correct").exists()
    assert statuses(employee) == [ACTIVE]
    again = service_client.post(FEED_URL, {"persons": [row]}, format="json").json()
    assert again["verification_cases"] == 0
    assert statuses(employee) == [ACTIVE]


def test_another_regions_staff_cannot_confirm(mismatch_from_feed, client):
    # given
    person, employee, _row = mismatch_from_feed
    case = DuplicateCase.objects.get(person=person)
    employer_client(employee.employer)
    name_checks.name_report_create(case=case, name="李那", reason="", by=employee.employer.user)
    taiyuan = xian_staff(client, region="140100")
    # when / then: neither the service nor the admin lets them
    with pytest.raises(BusinessRuleViolation) as refused:
        name_checks.name_report_confirm(case=case, by=taiyuan)
    assert refused.value.status_code == 403
    assert client.post(confirm_url(case), {"confirm": "1"}).status_code == 404
    person.refresh_from_db()
    assert person.name == "李娜"
    assert statuses(employee) == [SUSPENDED]
    assert case.name_reports.get().status == NameReport.Status.PENDING


def test_staff_confirm_only_a_report(mismatch_from_feed, client):
    """No report yet: nothing to confirm."""
    person, employee, _row = mismatch_from_feed
    case = DuplicateCase.objects.get(person=person)
    with pytest.raises(BusinessRuleViolation, match="没有待确认"):
        name_checks.name_report_confirm(case=case, by=xian_staff(client))
    response = client.post(confirm_url(case), {"confirm": "1"}, follow=True)
    assert "没有待确认" in response.content.decode()
    assert statuses(employee) == [SUSPENDED]


def test_staff_reject_a_report_with_a_reason_and_the_employer_reports_again(
    mismatch_from_feed, client
):
    # given
    person, employee, _row = mismatch_from_feed
    case = DuplicateCase.objects.get(person=person)
    api = employer_client(employee.employer)
    api.post(f"{CASES_URL}{case.pk}/report/", {"name": "李娜"})
    staff = xian_staff(client)
    assert (
        "reason"
        in client.post(confirm_url(case), {"reject": "1", "reason": ""})
        .context["reject_form"]
        .errors
    )
    # when
    response = client.post(confirm_url(case), {"reject": "1", "reason": "与身份证不符"})
    # then
    assert response.status_code == 302
    report = case.name_reports.get()
    assert (report.status, report.rejection_reason, report.decided_by) == (
        NameReport.Status.REJECTED,
        "与身份证不符",
        staff,
    )
    assert statuses(employee) == [SUSPENDED]
    seen = api.get(CASES_URL).json()["results"][0]["report"]
    assert (seen["status"], seen["rejection_reason"]) == ("REJECTED", "与身份证不符")
    # and the employer may report again
    assert api.post(f"{CASES_URL}{case.pk}/report/", {"name": "李那"}).status_code == 201
    assert case.name_reports.filter(status=NameReport.Status.PENDING).get().name == "李那"


def test_another_employer_cannot_report(mismatch_from_feed):
    person, _employee, _row = mismatch_from_feed
    employer = EmployerFactory()
    other = employer_client(employer)
    assert other.get(CASES_URL).json()["results"] == []
    case = DuplicateCase.objects.get(person=person)
    assert other.post(f"{CASES_URL}{case.pk}/report/", {"name": "李那"}).status_code == 404
    with pytest.raises(BusinessRuleViolation) as refused:
        name_checks.name_report_create(case=case, name="李那", reason="", by=employer.user)
    assert refused.value.status_code == 403
    assert not case.name_reports.exists()


def test_staff_do_not_report_for_an_employer(mismatch_from_feed):
    """An employee's right name comes from the employer, not from a staff entry."""
    person, _employee, _row = mismatch_from_feed
    case = DuplicateCase.objects.get(person=person)
    with pytest.raises(BusinessRuleViolation, match="参保单位报送"):
        name_checks.name_report_create(
            case=case, name="李那", reason="", by=xian_staff(), community="小寨社区"
        )


def test_a_resident_case_is_reported_by_staff_for_the_community(
    enroll, resolve, client, django_capture_on_commit_callbacks
):
    """居民则请和社区联系，由社区统一报送至医保中心: staff record the community's report,
    which changes nothing, then confirm it."""
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
    with pytest.raises(BusinessRuleViolation):
        name_checks.name_report_create(case=case, name="王芳", reason="", by=employer.user)
    staff = xian_staff(client)
    change_page = client.get(reverse("admin:enrollment_duplicatecase_change", args=[case.pk]))
    assert "录入社区报送" in change_page.content.decode()
    url = reverse("admin:enrollment_duplicatecase_report_name", args=[case.pk])
    assert "王方" in client.get(url).content.decode()
    assert client.post(url, {"name": "王芳"}).context["form"].errors["community"]
    # when: staff record the community's report
    response = client.post(url, {"name": "王芳", "community": "雁塔区小寨路社区"})
    # then: recorded, nothing else changed
    assert response.status_code == 302
    report = case.name_reports.get()
    assert (report.source, report.community, report.reported_by, report.status) == (
        NameReport.Source.COMMUNITY,
        "雁塔区小寨路社区",
        staff,
        NameReport.Status.PENDING,
    )
    assert statuses(resident) == [SUSPENDED]
    assert "雁塔区小寨路社区" in client.get(confirm_url(case)).content.decode()
    # when: staff confirm it
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(confirm_url(case), {"confirm": "1"}).status_code == 302
    # then
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
    right = enroll(
        person, "EMPLOYEE", "610100", record_id="L2", paid="2026-01-05", employer=wrong.employer
    )
    resolve()
    case = DuplicateCase.objects.get(person=person)
    employer_client(wrong.employer)
    name_checks.name_report_create(case=case, name="赵敏", reason="", by=wrong.employer.user)
    with django_capture_on_commit_callbacks(execute=True):
        name_checks.name_report_confirm(case=case, by=xian_staff())
    assert statuses(wrong, right) == [ACTIVE, EnrollmentStatus.MERGED]


def test_a_name_case_is_settled_by_confirmation_not_revert(mismatch_from_feed):
    person, _employee, _row = mismatch_from_feed
    case = DuplicateCase.objects.get(person=person)
    with pytest.raises(BusinessRuleViolation, match="确认姓名"):
        cases.duplicate_case_revert(case=case, by=StaffUserFactory(regions=["610100"]))
