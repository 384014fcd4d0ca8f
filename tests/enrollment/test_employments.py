"""The bulk door for refund batches: each person's spans with an employer and why each ended,
and who is retired since when, read from the status history like enrollment.history."""

import datetime as dt

import pytest

from enrollment import history
from enrollment.models import EnrollmentStatus, StopReason
from enrollment.selectors import EMPLOYER_CHANGED, Employment, employments_with, retirements_of
from tests.enrollment.factories import EMPLOYED_SINCE as SINCE
from tests.enrollment.factories import moved_to_another_employer
from tests.factories import EmployerFactory, EnrollmentFactory, InsuredPersonFactory

pytestmark = pytest.mark.django_db


def test_a_span_ends_with_the_stop_and_its_reason():
    employer = EmployerFactory()
    enrollment = EnrollmentFactory(
        employer=employer,
        registered_at=SINCE,
        status=EnrollmentStatus.STOPPED,
        stopped_at=dt.date(2024, 5, 10),
        stop_reason=StopReason.WHOLE_UNIT_TRANSFER,
    )
    spans = employments_with(employer_id=employer.pk, person_ids=[enrollment.person_id])
    assert spans == {
        enrollment.person_id: [
            Employment(
                enrollment.person_id,
                SINCE.date(),
                dt.date(2024, 5, 10),
                StopReason.WHOLE_UNIT_TRANSFER,
            )
        ]
    }


def test_a_move_to_another_employer_ends_the_span_as_history_reads_it():
    first, second = EmployerFactory(), EmployerFactory()
    person = moved_to_another_employer(first, second, dt.date(2024, 5, 15))
    spans = employments_with(employer_id=first.pk, person_ids=[person.pk])[person.pk]
    assert [(s.since, s.ended_on, s.end_reason) for s in spans] == [
        (SINCE.date(), dt.date(2024, 5, 15), EMPLOYER_CHANGED)
    ]
    assert employments_with(employer_id=second.pk, person_ids=[person.pk])[person.pk] == [
        Employment(person.pk, dt.date(2024, 5, 15))
    ]
    # the same answers as the per-person history
    assert history.was_employed_by(person=person, employer=first, period="202405")
    assert not history.was_employed_by(person=person, employer=first, period="202406")


def test_persons_never_employed_there_are_left_out():
    person = InsuredPersonFactory()
    assert employments_with(employer_id=EmployerFactory().pk, person_ids=[person.pk]) == {}


def test_retirements_are_dated_by_the_earliest_stop_for_retirement():
    dated = InsuredPersonFactory(retired=True)
    EnrollmentFactory(
        person=dated,
        registered_at=SINCE,
        status=EnrollmentStatus.STOPPED,
        stopped_at=dt.date(2024, 6, 1),
        stop_reason=StopReason.RETIRED,
    )
    undated, working = InsuredPersonFactory(retired=True), InsuredPersonFactory()
    found = retirements_of(person_ids=[dated.pk, undated.pk, working.pk])
    assert found == {dated.pk: dt.date(2024, 6, 1), undated.pk: None}
