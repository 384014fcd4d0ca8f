"""Stop dates and reasons (停保日期, 停保原因) and deaths from the person feed, kept per record
with a history of status changes, so later work can ask "insured, employed, retired, alive
in period P" (issue 11, item 9)."""

import datetime as dt

import pytest
import time_machine

from accounts.history import is_alive, was_alive
from accounts.models import InsuredPerson
from enrollment import history
from enrollment.models import Enrollment, EnrollmentStatusChange, StopReason
from enrollment.services import cases, duplicates
from tests.enrollment.test_feed_persons import URL, person_row
from tests.factories import EmployerFactory, InsuredPersonFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def feed(client, *rows):
    response = client.post(URL, {"persons": list(rows)}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def stopped(row, *, stopped_at="2025-06-15", stop_reason="LEFT", **extra):
    enrollment = dict(row["enrollments"][0], status="STOPPED", stopped_at=stopped_at)
    if stop_reason is not None:
        enrollment["stop_reason"] = stop_reason
    return dict(row, enrollments=[enrollment], **extra)


def changes_of(enrollment) -> list[tuple]:
    return list(
        EnrollmentStatusChange.objects.filter(enrollment=enrollment)
        .order_by("changed_at", "pk")
        .values_list("status_before", "status_after", "stopped_at", "stop_reason", "effective_on")
    )


def test_the_feed_keeps_stop_dates_per_record_and_the_death_on_the_person(service_client):
    """A stopped record keeps its stop date and reason; `died_at` is the person's. Each change
    of status is a history row, effective on the reported stop date."""
    # given an employee fed as ACTIVE
    row = person_row(1, employer_code=EmployerFactory().code)
    feed(service_client, row)
    # when the source reports the record stopped because the person died
    feed(service_client, stopped(row, stop_reason="DIED", died_at="2025-06-14"))
    # then
    person = InsuredPerson.objects.get(national_id=row["national_id"])
    record = Enrollment.objects.get(person=person)
    assert person.died_at == dt.date(2025, 6, 14)
    assert (record.status, record.stopped_at, record.stop_reason) == (
        "STOPPED",
        dt.date(2025, 6, 15),
        StopReason.DIED,
    )
    assert changes_of(record) == [
        ("", "ACTIVE", None, "", dt.date(2020, 3, 1)),
        ("ACTIVE", "STOPPED", dt.date(2025, 6, 15), "DIED", dt.date(2025, 6, 15)),
    ]
    # and a batch without `died_at` keeps the death on file; an explicit null clears it
    feed(service_client, stopped(row, stop_reason="DIED"))
    person.refresh_from_db()
    assert person.died_at == dt.date(2025, 6, 14)
    feed(service_client, stopped(row, stop_reason="DIED", died_at=None))
    person.refresh_from_db()
    assert person.died_at is None


def test_bad_stop_dates_and_reasons_without_a_date_are_row_errors_and_nothing_applies(
    service_client,
):
    """A bad date, a stop reason without a stop date, a stop on an ACTIVE record, a stop
    before registration or a death before birth: each names its row and field; the batch is
    all-or-nothing."""
    # given
    code = EmployerFactory().code
    good = stopped(person_row(0, employer_code=code))
    bad_date = stopped(person_row(1, employer_code=code), stopped_at="2025-02-30")
    no_date = stopped(person_row(2, employer_code=code), stopped_at=None)
    active = person_row(3, employer_code=code)
    active["enrollments"][0]["stopped_at"] = "2025-06-15"
    early = stopped(person_row(4, employer_code=code), stopped_at="2019-12-31")
    dead_early = dict(person_row(5, employer_code=code), died_at="1900-01-01")
    # when
    response = service_client.post(
        URL, {"persons": [good, bad_date, no_date, active, early, dead_early]}, format="json"
    )
    # then
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "persons[1].enrollments[0].stopped_at",
        "persons[2].enrollments[0].stopped_at",
        "persons[3].enrollments[0].stopped_at",
        "persons[4].enrollments[0].stopped_at",
        "persons[5].died_at",
    }
    assert not InsuredPerson.objects.exists()
    assert not EnrollmentStatusChange.objects.exists()


def test_a_bulk_stop_writes_its_history_in_bulk(service_client, django_assert_max_num_queries):
    """Stopping many records in one batch writes one history row each, set-based: the number
    of queries does not grow with the batch."""
    # given 150 employees fed as ACTIVE
    code = EmployerFactory().code
    rows = [person_row(n, employer_code=code) for n in range(150)]
    feed(service_client, *rows)
    # when all are stopped in one batch
    with django_assert_max_num_queries(24):
        feed(service_client, *(stopped(row) for row in rows))
    # then
    assert EnrollmentStatusChange.objects.filter(status_after="STOPPED").count() == 150


def test_duplicate_runs_and_reverts_write_history(enroll):
    """Every status change is in the history, the set-based duplicate run's included."""
    # given an employee also enrolled as a resident
    person = InsuredPersonFactory()
    enroll(person, "EMPLOYEE", "610100")
    resident = enroll(person, "RESIDENT", "140100")
    # when the run suspends the resident record, then staff revert the case
    run = duplicates.duplicates_resolve(triggered_by="test")
    case = run.cases.get()
    cases.duplicate_case_revert(case=case, by=StaffUserFactory(regions=["140100"]))
    # then
    rows = EnrollmentStatusChange.objects.filter(enrollment=resident).order_by("pk")
    assert [(r.status_before, r.status_after, r.source) for r in rows] == [
        ("ACTIVE", "SUSPENDED", duplicates.SYSTEM),
        ("SUSPENDED", "ACTIVE", rows[1].source),
    ]
    assert rows[0].reason == duplicates.RULE_REASONS[case.rule]
    assert rows[1].source.startswith("case-revert:")


def test_insured_and_employed_in_a_period_follow_the_stop_date(service_client):
    """Insured and employed on some day of P: from registration until the stop date; a stop
    date corrected later moves the end."""
    # given an employee registered 2020-03-01, stopped 2025-06-15
    employer = EmployerFactory()
    row = person_row(1, employer_code=employer.code)
    feed(service_client, row)
    feed(service_client, stopped(row))
    person = InsuredPerson.objects.get(national_id=row["national_id"])

    def insured(period):
        return history.was_insured(person=person, region="610100", period=period)

    def employed(period):
        return history.was_employed_by(person=person, employer=employer, period=period)

    # then
    assert [insured(p) for p in ("202002", "202003", "202506", "202507")] == [
        False,
        True,
        True,
        False,
    ]
    assert [employed(p) for p in ("202003", "202506", "202507")] == [True, True, False]
    assert not history.was_insured(person=person, region="140100", period="202506")
    # when the source corrects the stop date to August
    feed(service_client, stopped(row, stopped_at="2025-08-10"))
    # then July counts, September does not
    assert [insured(p) for p in ("202507", "202508", "202509")] == [True, True, False]


def test_a_stop_reported_late_wins_from_its_date(service_client):
    """A record stopped, reactivated, then reported stopped since a day before all that: the
    latest report holds from its stop date on, over what was recorded before it."""
    # given a record stopped on 1 April, reactivated on 20 April
    row = person_row(2, employer_code=EmployerFactory().code)
    with time_machine.travel(dt.datetime(2025, 1, 10, 9, tzinfo=dt.UTC)):
        feed(service_client, row)
    with time_machine.travel(dt.datetime(2025, 4, 10, 9, tzinfo=dt.UTC)):
        feed(service_client, stopped(row, stopped_at="2025-04-01"))
    with time_machine.travel(dt.datetime(2025, 4, 20, 9, tzinfo=dt.UTC)):
        feed(service_client, row)
    person = InsuredPerson.objects.get(national_id=row["national_id"])
    assert history.was_insured(person=person, region="610100", period="202505")
    # when the source reports on 20 May that it stopped on 1 March
    with time_machine.travel(dt.datetime(2025, 5, 20, 9, tzinfo=dt.UTC)):
        feed(service_client, stopped(row, stopped_at="2025-03-01"))
    # then
    assert history.was_insured(person=person, region="610100", period="202502")
    assert not history.was_insured(person=person, region="610100", period="202503")
    assert not history.was_insured(person=person, region="610100", period="202505")


def test_a_change_of_employer_on_the_same_record_keeps_who_employed_when(service_client):
    """Employment follows the record's employer over time (人员增减 on one 个人编号)."""
    # given a record with employer A from 2020, fed again with employer B on 20 May 2025
    first, second = EmployerFactory(), EmployerFactory()
    row = person_row(3, employer_code=first.code)
    with time_machine.travel(dt.datetime(2025, 1, 10, 9, tzinfo=dt.UTC)):
        feed(service_client, row)
    moved = dict(row, enrollments=[dict(row["enrollments"][0], employer_code=second.code)])
    with time_machine.travel(dt.datetime(2025, 5, 20, 9, tzinfo=dt.UTC)):
        feed(service_client, moved)
    person = InsuredPerson.objects.get(national_id=row["national_id"])

    # then
    def employed(employer, period):
        return history.was_employed_by(person=person, employer=employer, period=period)

    assert (employed(first, "202504"), employed(second, "202504")) == (True, False)
    assert (employed(first, "202505"), employed(second, "202505")) == (True, True)
    assert (employed(first, "202506"), employed(second, "202506")) == (False, True)


def test_retired_and_alive_in_a_period(service_client):
    """Retired from the day a record stopped for retirement; alive until the day of death."""
    # given a person whose record stopped for retirement on 2025-03-31, who died 2026-02-10
    row = person_row(4, employer_code=EmployerFactory().code)
    feed(service_client, row)
    feed(
        service_client,
        stopped(row, stopped_at="2025-03-31", stop_reason="RETIRED", retired=True),
    )
    feed(
        service_client,
        stopped(row, stopped_at="2025-03-31", stop_reason="RETIRED", retired=True)
        | {"died_at": "2026-02-10"},
    )
    person = InsuredPerson.objects.get(national_id=row["national_id"])
    # then
    assert not history.was_retired(person=person, period="202502")
    assert history.was_retired(person=person, period="202503")
    assert is_alive(person=person, on=dt.date(2026, 2, 10))
    assert not is_alive(person=person, on=dt.date(2026, 2, 11))
    assert was_alive(person=person, period="202602")
    assert not was_alive(person=person, period="202603")
