"""Other apps learn where a person is insured only through enrollment's selectors, and learn
of changes only through its one signal, sent after the commit."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from enrollment import selectors
from enrollment.models import EnrollmentStatus
from enrollment.signals import enrollments_changed
from tests.factories import EnrollmentFactory, InsuredPersonFactory

pytestmark = pytest.mark.django_db

XIAN, TAIYUAN, DATONG = "610100", "140100", "140200"


def test_the_insured_region_is_the_active_enrollment_before_a_suspended_one(enroll):
    # given: a suspended employee record in 西安 and an active resident one in 太原
    person = InsuredPersonFactory()
    enroll(person, "EMPLOYEE", XIAN, paid="2026-11-05", status=EnrollmentStatus.SUSPENDED)
    enroll(person, "RESIDENT", TAIYUAN, paid="2026-01-05")
    # then
    assert selectors.insured_region(person_id=person.pk) == TAIYUAN


def test_employee_insurance_comes_before_resident_then_the_latest_paid(enroll):
    both, two_residents = InsuredPersonFactory(), InsuredPersonFactory()
    enroll(both, "RESIDENT", TAIYUAN, paid="2026-11-05")
    enroll(both, "EMPLOYEE", XIAN, paid="2026-01-05")
    enroll(two_residents, "RESIDENT", TAIYUAN, paid="2026-01-05")
    enroll(two_residents, "RESIDENT", DATONG, paid="2026-11-05")
    assert selectors.insured_regions(person_ids=[both.pk, two_residents.pk]) == {
        both.pk: XIAN,
        two_residents.pk: DATONG,
    }


def test_a_person_without_a_live_enrollment_is_insured_nowhere(enroll):
    stopped, never = InsuredPersonFactory(), InsuredPersonFactory()
    enroll(stopped, "EMPLOYEE", XIAN, status=EnrollmentStatus.STOPPED)
    assert selectors.insured_regions(person_ids=[stopped.pk, never.pk]) == {
        stopped.pk: None,
        never.pk: None,
    }


def test_many_persons_are_answered_in_one_query(enroll):
    persons = [InsuredPersonFactory() for _ in range(5)]
    for person in persons:
        enroll(person, "EMPLOYEE", XIAN)
    ids = [p.pk for p in persons]
    with CaptureQueriesContext(connection) as regions:
        selectors.insured_regions(person_ids=ids)
    with CaptureQueriesContext(connection) as insurances:
        selectors.insurances_of(person_ids=ids)
    assert (len(regions), len(insurances)) == (1, 1)


def test_insurances_say_region_scheme_status_and_since_when(enroll):
    person = InsuredPersonFactory()
    enroll(
        person,
        "RESIDENT",
        XIAN,
        status=EnrollmentStatus.STOPPED,
        stopped_at=dt.date(2024, 6, 30),
        stop_reason="OTHER",
    )
    enroll(person, "RESIDENT", DATONG, status=EnrollmentStatus.SUSPENDED)
    employee = enroll(person, "EMPLOYEE", TAIYUAN, registered="2015-03-01")
    enroll(person, "FLEXIBLE", DATONG, status=EnrollmentStatus.MERGED)
    # when
    every = selectors.insurances_for_person(person_id=person.pk)
    live = selectors.insurances_for_person(person_id=person.pk, live_only=True)
    # then: active, suspended, stopped (until its stop date); merged records are no
    # insurance of their own
    assert [(i.region_id, i.scheme, i.status) for i in every] == [
        (TAIYUAN, "EMPLOYEE", "ACTIVE"),
        (DATONG, "RESIDENT", "SUSPENDED"),
        (XIAN, "RESIDENT", "STOPPED"),
    ]
    assert live == every[:2]
    assert live[0].since == employee.registered_at and live[0].until is None
    assert every[2].until == dt.date(2024, 6, 30)


def test_the_resident_region_is_that_of_the_resident_enrollment(enroll):
    person, employee_only = InsuredPersonFactory(), InsuredPersonFactory()
    enroll(person, "EMPLOYEE", XIAN)
    enroll(person, "RESIDENT", TAIYUAN)
    enroll(employee_only, "EMPLOYEE", XIAN)
    assert selectors.resident_region(person_id=person.pk).code == TAIYUAN
    assert selectors.resident_region(person_id=employee_only.pk) is None


def test_the_insured_region_sql_is_a_subquery_other_statements_embed(enroll):
    person = InsuredPersonFactory()
    enroll(person, "RESIDENT", TAIYUAN)
    sql, params = selectors.insured_region_sql(person="p.id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ({sql}) FROM accounts_insuredperson p WHERE p.id = %(person)s",  # noqa: S608 — constant SQL, placeholders only
            {**params, "person": person.pk},
        )
        assert cursor.fetchone() == (TAIYUAN,)


@pytest.fixture
def heard():
    """The person ids each enrollments_changed carried, as a receiver in another app sees them."""
    calls: list[list[int]] = []

    def receiver(sender, person_ids, **kwargs):
        calls.append(person_ids)

    enrollments_changed.connect(receiver, dispatch_uid="test.heard")
    yield calls
    enrollments_changed.disconnect(dispatch_uid="test.heard")


def test_an_enrollment_saved_on_its_own_is_announced_after_the_commit(
    enroll, heard, django_capture_on_commit_callbacks
):
    person = InsuredPersonFactory()
    enrollment = enroll(person, "EMPLOYEE", XIAN)
    heard.clear()
    # when: staff stop it, one save
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enrollment.status = EnrollmentStatus.STOPPED
        enrollment.save()
    # then: nothing before the commit, the person after it
    assert heard == []
    for callback in callbacks:
        callback()
    assert heard == [[person.pk]]


def test_a_change_rolled_back_is_not_announced(heard, django_capture_on_commit_callbacks):
    person = InsuredPersonFactory()
    heard.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        EnrollmentFactory(person=person)
        raise RuntimeError
    assert heard == []
