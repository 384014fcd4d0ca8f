"""POST /api/v1/feed/persons/: upsert by national ID, all-or-nothing, errors name the row."""

import pytest

from accounts.models import InsuredPerson, Notification
from enrollment.models import DuplicateCase, Enrollment, EnrollmentStatus
from tests.factories import (
    EmployerFactory,
    EnrollmentFactory,
    InsuredPersonFactory,
    make_national_id,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/feed/persons/"


def person_row(n: int, *, employer_code: str, **overrides) -> dict:
    row = {
        "national_id": make_national_id(n, prefix="610103"),
        "name": f"王{n}",
        "phone": "13700000000",
        "retired": False,
        "enrollments": [
            {
                "region": "610100",
                "scheme": "EMPLOYEE",
                "employer_code": employer_code,
                "status": "ACTIVE",
                "registered_at": "2020-03-01",
                "last_paid_at": "2026-10-15T10:00:00+08:00",
            }
        ],
    }
    row.update(overrides)
    return row


def test_new_persons_and_enrollments_are_created(service_client):
    # given
    employer = EmployerFactory()
    rows = [person_row(n, employer_code=employer.code) for n in range(3)]
    rows[2]["enrollments"].append(
        {
            "region": "140100",
            "scheme": "RESIDENT",
            "status": "STOPPED",
            "registered_at": "2019-01-01",
        }
    )
    # when
    response = service_client.post(URL, {"persons": rows}, format="json")
    # then
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "persons_created": 3,
        "persons_updated": 0,
        "enrollments_created": 4,
        "enrollments_updated": 0,
        "verification_cases": 0,
    }
    person = InsuredPerson.objects.get(national_id=rows[0]["national_id"])
    assert person.birth_date is not None
    assert person.enrollments.get().employer == employer


def test_the_same_batch_twice_changes_nothing(service_client):
    employer = EmployerFactory()
    payload = {"persons": [person_row(n, employer_code=employer.code) for n in range(2)]}
    service_client.post(URL, payload, format="json")
    again = service_client.post(URL, payload, format="json").json()
    assert again["persons_created"] == again["enrollments_created"] == 0
    assert again["persons_updated"] == again["enrollments_updated"] == 0
    assert Enrollment.objects.count() == 2


def test_known_persons_are_updated_and_enrollments_matched_by_record_id(service_client):
    employer = EmployerFactory()
    row = person_row(1, employer_code=employer.code)
    service_client.post(URL, {"persons": [row]}, format="json")
    row["retired"] = True
    row["pension"] = "3200.50"
    row["enrollments"][0]["status"] = "STOPPED"
    row["enrollments"].append(dict(row["enrollments"][0], record_id="LEGACY-2", status="ACTIVE"))
    body = service_client.post(URL, {"persons": [row]}, format="json").json()
    assert body["persons_updated"] == 1
    assert body["enrollments_updated"] == 1
    assert body["enrollments_created"] == 1
    person = InsuredPerson.objects.get(national_id=row["national_id"])
    assert str(person.pension) == "3200.50"
    assert sorted(person.enrollments.values_list("record_id", "status")) == [
        ("", "STOPPED"),
        ("LEGACY-2", "ACTIVE"),
    ]


def test_bad_rows_reject_the_whole_batch_and_every_bad_row_is_named(service_client):
    # given: row 0 good, row 1 bad checksum, row 2 unknown region, row 3 unknown employer
    employer = EmployerFactory()
    rows = [person_row(n, employer_code=employer.code) for n in range(4)]
    rows[1]["national_id"] = rows[1]["national_id"][:17] + (
        "0" if rows[1]["national_id"][17] != "0" else "1"
    )
    rows[2]["enrollments"][0]["region"] = "999999"
    rows[3]["enrollments"][0]["employer_code"] = "91610100000000000X"
    # when
    response = service_client.post(URL, {"persons": rows}, format="json")
    # then
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {
        "persons[1].national_id",
        "persons[2].enrollments[0].region",
        "persons[3].enrollments[0].employer_code",
    }
    assert "999999" in errors["persons[2].enrollments[0].region"][0]
    assert InsuredPerson.objects.count() == 0
    assert Enrollment.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scheme": "EMPLOYEE", "employer_code": ""}, "persons[0].enrollments[0].employer_code"),
        ({"status": "SUSPENDED"}, "persons[0].enrollments[0].status"),
        ({"registered_at": "yesterday"}, "persons[0].enrollments[0].registered_at"),
        ({"scheme": "PRIVATE"}, "persons[0].enrollments[0].scheme"),
    ],
)
def test_bad_enrollment_fields_are_named(service_client, change, field):
    employer = EmployerFactory()
    row = person_row(1, employer_code=employer.code)
    row["enrollments"][0].update(change)
    response = service_client.post(URL, {"persons": [row]}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_an_employer_of_another_region_is_refused(service_client):
    employer = EmployerFactory(region_id="140100")
    response = service_client.post(
        URL, {"persons": [person_row(1, employer_code=employer.code)]}, format="json"
    )
    assert response.status_code == 400
    assert "persons[0].enrollments[0].employer_code" in response.json()["errors"]


def test_the_same_person_twice_in_one_batch_is_refused(service_client):
    employer = EmployerFactory()
    row = person_row(1, employer_code=employer.code)
    response = service_client.post(URL, {"persons": [row, row]}, format="json")
    assert response.status_code == 400
    assert "persons[1].national_id" in response.json()["errors"]


def test_a_birth_date_that_contradicts_the_id_is_refused(service_client):
    employer = EmployerFactory()
    row = person_row(1, employer_code=employer.code, birth_date="1999-09-09")
    response = service_client.post(URL, {"persons": [row]}, format="json")
    assert "persons[0].birth_date" in response.json()["errors"]


@pytest.mark.parametrize(
    "payload", [[], {"persons": []}, {"persons": "x"}, "text", {"persons": [1]}]
)
def test_malformed_payloads_get_a_400_not_a_500(service_client, payload):
    response = service_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_known_id_with_another_name_is_not_renamed_but_suspended_for_verification(service_client):
    # given
    enrollment = EnrollmentFactory(person__name="李娜")
    person = enrollment.person
    row = person_row(
        1,
        employer_code=enrollment.employer.code,
        national_id=person.national_id,
        name="李那",
        phone="13900000000",
    )
    # when
    body = service_client.post(URL, {"persons": [row]}, format="json").json()
    again = service_client.post(URL, {"persons": [row]}, format="json").json()
    # then
    person.refresh_from_db()
    assert person.name == "李娜"
    assert person.phone != "13900000000"
    assert body["verification_cases"] == 1
    assert again["verification_cases"] == 0
    case = DuplicateCase.objects.get(person=person)
    assert case.rule == DuplicateCase.Rule.NAME_MISMATCH
    assert case.status == DuplicateCase.Status.OPEN
    assert case.reported_name == "李那"
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.SUSPENDED
    assert enrollment in case.suspended.all()


def test_our_suspension_stands_when_the_source_still_reports_active(service_client):
    enrollment = EnrollmentFactory(status=EnrollmentStatus.SUSPENDED)
    row = person_row(
        1,
        employer_code=enrollment.employer.code,
        national_id=enrollment.person.national_id,
        name=enrollment.person.name,
    )
    service_client.post(URL, {"persons": [row]}, format="json")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.SUSPENDED


def test_only_a_service_token_may_feed(api_client, person_client):
    payload = {"persons": []}
    assert api_client.post(URL, payload, format="json").status_code == 401
    assert person_client.post(URL, payload, format="json").status_code == 403


def test_feed_runs_a_fixed_number_of_queries_whatever_the_batch_size(
    service_client, django_assert_max_num_queries
):
    employer = EmployerFactory()
    InsuredPersonFactory.create_batch(3)
    rows = [person_row(n, employer_code=employer.code) for n in range(200)]
    # SQLite splits bulk inserts by its variable limit: persons, enrollments, their status
    # history, ledger accounts and personal accounts take two or three statements each here;
    # the person-region links one more.
    with django_assert_max_num_queries(28):
        response = service_client.post(URL, {"persons": rows}, format="json")
    assert response.status_code == 200


def test_staff_changes_and_retirement_wait_while_the_period_is_under_assessment(service_client):
    """做账期号核定中: 人员增减 and 在职转退休 are refused for that region, saying why."""
    from accounts.models import Region
    from accounts.services import periods

    # given: a known employee, and the region's latest period assessed
    employer = EmployerFactory()
    known = person_row(1, employer_code=employer.code)
    service_client.post(URL, {"persons": [known]}, format="json")
    periods.accounting_period_assess(
        period=periods.accounting_period_open(
            region=Region.objects.get(pk="610100"), period="202610"
        )
    )
    retiring = dict(known, retired=True, pension="3000.00")
    newcomer = person_row(2, employer_code=employer.code)
    unchanged = dict(known)
    # when
    response = service_client.post(URL, {"persons": [retiring, newcomer]}, format="json")
    # then
    errors = response.json()["errors"]
    assert response.status_code == 400
    assert set(errors) == {"persons[0].retired", "persons[1].enrollments[0]"}
    assert "202610" in errors["persons[0].retired"][0]
    assert "暂停办理" in errors["persons[1].enrollments[0]"][0]
    assert not InsuredPerson.objects.filter(national_id=newcomer["national_id"]).exists()
    assert service_client.post(URL, {"persons": [unchanged]}, format="json").status_code == 200


def test_a_phone_changed_by_the_feed_is_told_to_the_old_phone_and_holds_transfers(
    service_client, django_capture_on_commit_callbacks
):
    """However the phone on file changes, the old phone is told and transfers out wait:
    the source system's feed is one more way, like the person and staff."""
    # given a person with a phone on file
    employer = EmployerFactory()
    row = person_row(7, employer_code=employer.code, phone="13700000007")
    service_client.post(URL, {"persons": [row]}, format="json")
    person = InsuredPerson.objects.get(national_id=row["national_id"])
    assert person.phone_changed_at is None
    # when the feed reports another phone
    with django_capture_on_commit_callbacks(execute=True):
        response = service_client.post(
            URL, {"persons": [{**row, "phone": "13900000007"}]}, format="json"
        )
    # then
    assert response.status_code == 200, response.json()
    person.refresh_from_db()
    assert person.phone == "13900000007"
    assert person.phone_changed_at is not None
    notice = Notification.objects.get(phone="13700000007", reference="phone-changed")
    assert "139****0007" in notice.text
