"""The person's view: every enrollment with its status and, when suspended, why and what to
do — employees ask their employer, residents their community (the seeds)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from enrollment.explanations import Explanation, enrollment_explanation
from enrollment.selectors import enrollments_for_person, person_with_enrollments
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    return InsuredPersonFactory(name="许婷", with_user=True)


def test_a_suspended_employee_is_told_why_and_to_ask_the_employer(client, person, enroll, resolve):
    # given: employed in Xi'an (paid August) and Taiyuan (paid November)
    xian = enroll(person, "EMPLOYEE", "610100", paid="2026-08-05")
    enroll(person, "EMPLOYEE", "140100", paid="2026-11-05")
    resolve()
    client.force_login(person.user)
    # when
    body = client.get("/").content.decode()
    # then
    assert "西安市职工医保参保已暂停" in body
    assert "您在多地参加了职工医保，保留缴费时间最新的一处，此处暂停。" in body
    assert f"请联系您的参保单位（{xian.employer.name}）核实处理。" in body
    assert "如急需就医看病，可联系单位经办人或社区上报" in body


def test_a_suspended_resident_is_sent_to_the_community(client, person, enroll, resolve):
    enroll(person, "RESIDENT", "610100", paid="2024-12-18")
    enroll(person, "RESIDENT", "610300", paid="2025-12-22")
    resolve()
    client.force_login(person.user)
    body = client.get("/").content.decode()
    assert "缴费时间相同的保留先入库的" in body
    assert "请联系您所在的社区（村）核实处理。" in body


def test_a_merged_record_says_where_it_went(client, person, enroll, resolve):
    enroll(person, "EMPLOYEE", "610100", record_id="61019900078123", paid="2024-01-05")
    enroll(person, "EMPLOYEE", "610100", record_id="61010000321456", paid="2026-11-05")
    resolve()
    client.force_login(person.user)
    body = client.get("/").content.decode()
    assert "已合并至个人编号 61010000321456" in body
    assert "badge--merged" in body


def test_the_api_gives_the_same_explanation(person, enroll, resolve):
    from rest_framework.test import APIClient

    enroll(person, "EMPLOYEE", "610100")
    enroll(person, "RESIDENT", "610100")
    resolve()
    client = APIClient()
    client.force_authenticate(person.user)
    enrollments = client.get("/api/v1/me/").json()["enrollments"]
    by_scheme = {e["scheme"]: e for e in enrollments}
    assert by_scheme["EMPLOYEE"]["status"] == "ACTIVE"
    assert by_scheme["EMPLOYEE"]["explanation"]["kind"] == ""
    resident = by_scheme["RESIDENT"]
    assert resident["status"] == "SUSPENDED"
    assert resident["explanation"]["kind"] == "suspended"
    assert "保留职工医保" in resident["explanation"]["reason"]
    assert resident["explanation"]["advice"] == "请联系您所在的社区（村）核实处理。"


def test_the_page_in_english_still_renders_the_explanations(client, person, enroll, resolve):
    enroll(person, "EMPLOYEE", "610100")
    enroll(person, "RESIDENT", "610100")
    resolve()
    client.force_login(person.user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "badge--suspended" in response.content.decode()


def test_the_home_rows_explain_each_enrollment_as_the_api_does(person, enroll, resolve):
    """One rule for the page and the API: the home's plain rows carry the same explanations."""
    # given: a resident record suspended beside an employee one, and a record merged
    enroll(person, "EMPLOYEE", "610100", record_id="61010000321456", paid="2026-11-05")
    enroll(person, "EMPLOYEE", "610100", record_id="61019900078123", paid="2024-01-05")
    enroll(person, "RESIDENT", "610100")
    resolve()
    # when
    rows = enrollments_for_person(person=person)
    # then
    api = person_with_enrollments(person_id=person.pk).enrollments.all()
    assert {row["id"]: row["explanation"] for row in rows} == {
        enrollment.pk: enrollment_explanation(enrollment) for enrollment in api
    }
    assert [row["explanation"].kind for row in rows] == ["", "merged", "suspended"]


def test_the_home_rows_are_plain_strings_in_beijing_time(person, enroll):
    """Registered at 00:30 on 1 March Beijing time (still February in UTC); never paid."""
    enrollment = enroll(person, "RESIDENT", "610100", paid=None)
    enrollment.registered_at = dt.datetime(2015, 3, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    enrollment.save(update_fields=["registered_at"])

    with translation.override("zh-hans"):
        (row,) = enrollments_for_person(person=person)

    assert row == {
        "id": enrollment.pk,
        "region": "西安市",
        "scheme_label": "城乡居民医保",
        "status": "ACTIVE",
        "status_label": "正常参保",
        "employer": None,
        "registered": "2015-03-01",
        "last_paid": "",
        "record_id": "",
        "explanation": Explanation(),
    }
