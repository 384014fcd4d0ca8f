"""The employer's name-check page (姓名核实): their own employees' cases, on which they report
the right name; staff confirm it in the admin before anything changes."""

import pytest
from django.test import Client

from accounts.models import User
from enrollment.models import DuplicateCase, EnrollmentStatus, NameReport
from enrollment.services import name_checks
from tests.enrollment.factories import statuses
from tests.enrollment.test_feed_persons import URL as FEED_URL
from tests.enrollment.test_feed_persons import person_row
from tests.factories import EmployerFactory, InsuredPersonFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/employer/verification/"
# session, user, employer; handled count; open cases and their reports; handled page and its
# reports (signed_in recorded the activity time: no session update)
PAGE_QUERIES = 8


def signed_in(employer) -> Client:
    if employer.user is None:
        employer.user = UserFactory(kind=User.Kind.EMPLOYER, username=employer.code)
        employer.save()
    client = Client()
    client.force_login(employer.user)
    client.get("/")  # the session's first request records its activity time (a write)
    return client


def mismatch(service_client, enroll, *, name: str, reported: str, employer=None):
    """An employee whose ID the feed reports under another name: suspended, case open."""
    person = InsuredPersonFactory(name=name)
    employee = enroll(person, "EMPLOYEE", "610100", **({"employer": employer} if employer else {}))
    row = person_row(
        1, employer_code=employee.employer.code, national_id=person.national_id, name=reported
    )
    assert service_client.post(FEED_URL, {"persons": [row]}, format="json").status_code == 200
    return person, employee


def test_the_employer_reports_the_name_on_the_page_and_it_awaits_staff(service_client, enroll):
    """The report is recorded; the employee stays suspended and the page says staff decide."""
    # given
    person, employee = mismatch(service_client, enroll, name="李娜", reported="李那")
    client = signed_in(employee.employer)
    home = client.get("/").content.decode()
    assert "有 1 位职工的姓名待核实" in home
    page = client.get(PAGE).content.decode()
    assert "李娜" in page and "李那" in page
    assert person.national_id not in page and person.masked_national_id in page
    case = DuplicateCase.objects.get(person=person)
    # when: the employer clicks the recorded name
    response = client.post(f"{PAGE}{case.pk}/report/", {"name": "李娜"}, follow=True)
    # then
    page = response.content.decode()
    assert "已报送正确姓名「李娜」" in page
    assert "等待经办人员确认" in page
    assert f"{PAGE}{case.pk}/report/" not in page
    assert statuses(employee) == [EnrollmentStatus.SUSPENDED]
    case.refresh_from_db()
    assert (case.status, case.confirmed_name, case.decided_by) == ("OPEN", "", None)
    assert case.name_reports.get().name == "李娜"


def test_the_employer_sees_a_rejection_and_may_report_again(service_client, enroll):
    person, employee = mismatch(service_client, enroll, name="李娜", reported="李那")
    client = signed_in(employee.employer)
    case = DuplicateCase.objects.get(person=person)
    client.post(f"{PAGE}{case.pk}/report/", {"name": "李娜"})
    name_checks.name_report_reject(
        case=case, reason="与身份证不符", by=StaffUserFactory(regions=["610100"])
    )
    page = client.get(PAGE).content.decode()
    assert "与身份证不符" in page and f"{PAGE}{case.pk}/report/" in page
    client.post(f"{PAGE}{case.pk}/report/", {"name": "李那"})
    assert case.name_reports.filter(status=NameReport.Status.PENDING).get().name == "李那"


def test_a_blank_name_is_refused_with_a_message_and_nothing_is_recorded(service_client, enroll):
    person, employee = mismatch(service_client, enroll, name="李娜", reported="李那")
    client = signed_in(employee.employer)
    case = DuplicateCase.objects.get(person=person)
    response = client.post(f"{PAGE}{case.pk}/report/", {"name": "  "}, follow=True)
    assert "正确姓名：该字段是必填项" in response.content.decode()
    assert not case.name_reports.exists()


def test_a_new_name_without_a_reason_is_refused_on_the_page(service_client, enroll):
    person, employee = mismatch(service_client, enroll, name="李娜", reported="李那")
    client = signed_in(employee.employer)
    case = DuplicateCase.objects.get(person=person)
    response = client.post(f"{PAGE}{case.pk}/report/", {"name": "李丽"}, follow=True)
    assert "请说明原因" in response.content.decode()
    assert not case.name_reports.exists()
    client.post(f"{PAGE}{case.pk}/report/", {"name": "李丽", "reason": "以身份证为准"})
    assert case.name_reports.get().reason == "以身份证为准"


def test_another_employer_neither_sees_nor_reports_on_the_case(service_client, enroll):
    person, _employee = mismatch(service_client, enroll, name="李娜", reported="李那")
    other = signed_in(EmployerFactory())
    assert "李那" not in other.get(PAGE).content.decode()
    case = DuplicateCase.objects.get(person=person)
    assert other.post(f"{PAGE}{case.pk}/report/", {"name": "李那"}).status_code == 404
    assert not case.name_reports.exists()


def test_only_employers_reach_the_page(person):
    assert Client().get(PAGE).status_code == 302
    client = Client()
    client.force_login(person.user)
    assert client.get(PAGE).status_code == 403


def test_the_page_runs_the_same_queries_however_many_cases_and_reports(
    service_client, enroll, django_assert_num_queries
):
    employer = EmployerFactory()
    client = signed_in(employer)
    staff = StaffUserFactory(regions=["610100"])

    def add_cases(names: list[str]) -> None:
        """One case per name: reported and awaiting staff, rejected, confirmed, untouched."""
        for n, name in enumerate(names):
            person, _ = mismatch(
                service_client, enroll, name=name, reported=f"{name}X", employer=employer
            )
            case = DuplicateCase.objects.get(person=person)
            if n % 4 == 3:
                continue
            name_checks.name_report_create(case=case, name=name, reason="", by=employer.user)
            if n % 4 == 1:
                name_checks.name_report_reject(case=case, reason="证件不符", by=staff)
            elif n % 4 == 2:
                name_checks.name_report_confirm(case=case, by=staff)

    add_cases(["李娜", "王芳", "赵敏", "孙丽"])
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(PAGE).status_code == 200
    add_cases(["周强", "吴刚", "郑洁", "冯云"])
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get(PAGE).content.decode()
    assert page.count("等待经办人员确认") == 2 and page.count("证件不符") == 2
