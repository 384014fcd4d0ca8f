"""The employer's name-check page (姓名核实): their own employees' cases, confirmed with a click."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from enrollment.models import DuplicateCase, EnrollmentStatus
from tests.enrollment.factories import statuses
from tests.enrollment.test_feed_persons import URL as FEED_URL
from tests.enrollment.test_feed_persons import person_row
from tests.factories import EmployerFactory, InsuredPersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/employer/verification/"


def signed_in(employer) -> Client:
    if employer.user is None:
        employer.user = UserFactory(kind=User.Kind.EMPLOYER, username=employer.code)
        employer.save()
    client = Client()
    client.force_login(employer.user)
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


def test_the_employer_sees_the_open_check_and_confirms_the_name_on_the_page(
    service_client, enroll, django_capture_on_commit_callbacks
):
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
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{PAGE}{case.pk}/confirm/", {"name": "李娜"}, follow=True)
    # then
    assert "已核实姓名为「李娜」" in response.content.decode()
    assert statuses(employee) == [EnrollmentStatus.ACTIVE]
    case.refresh_from_db()
    assert (case.status, case.confirmed_name, case.decided_by) == (
        DuplicateCase.Status.DECIDED,
        "李娜",
        employee.employer.user,
    )
    assert "没有待核实的姓名" in client.get("/").content.decode()


def test_a_blank_name_is_refused_with_a_message_and_nothing_changes(service_client, enroll):
    person, employee = mismatch(service_client, enroll, name="李娜", reported="李那")
    client = signed_in(employee.employer)
    case = DuplicateCase.objects.get(person=person)
    response = client.post(f"{PAGE}{case.pk}/confirm/", {"name": "  "}, follow=True)
    assert "请填写核实后的姓名" in response.content.decode()
    assert DuplicateCase.objects.get(pk=case.pk).status == DuplicateCase.Status.OPEN
    assert statuses(employee) == [EnrollmentStatus.SUSPENDED]


def test_another_employer_neither_sees_nor_confirms_the_case(service_client, enroll):
    person, _employee = mismatch(service_client, enroll, name="李娜", reported="李那")
    other = signed_in(EmployerFactory())
    assert "李那" not in other.get(PAGE).content.decode()
    case = DuplicateCase.objects.get(person=person)
    assert other.post(f"{PAGE}{case.pk}/confirm/", {"name": "李那"}).status_code == 404
    assert DuplicateCase.objects.get(pk=case.pk).status == DuplicateCase.Status.OPEN


def test_only_employers_reach_the_page(person):
    assert Client().get(PAGE).status_code == 302
    client = Client()
    client.force_login(person.user)
    assert client.get(PAGE).status_code == 403


def test_the_page_does_not_grow_queries_with_cases(service_client, enroll):
    employer = EmployerFactory()
    client = signed_in(employer)

    def add_cases(names: list[str]) -> None:
        """One open case per name, the first of them confirmed."""
        for n, name in enumerate(names):
            person, _ = mismatch(
                service_client, enroll, name=name, reported=f"{name}X", employer=employer
            )
            if n == 0:
                case = DuplicateCase.objects.get(person=person)
                client.post(f"{PAGE}{case.pk}/confirm/", {"name": name})

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(PAGE).status_code == 200
        return len(context.captured_queries)

    add_cases(["李娜", "王芳"])
    few = count()
    add_cases(["赵敏", "孙丽", "周强", "吴刚"])
    assert count() == few
