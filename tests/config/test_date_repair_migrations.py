"""Rows stored before dates were limited (a time of year 10000 in UTC breaks every read) are
repaired by the data migrations, and the database then refuses such values itself."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from accounts.models import Contribution, InsuredPerson
from enrollment.models import Enrollment
from tests.enrollment.factories import account_with_money
from tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

CONSTRAINTS = {
    "accounts_insuredperson": "person_birth_date_in_range",
    "accounts_contribution": "contribution_paid_at_in_range",
    "enrollment_enrollment": "enrollment_registered_at_in_range",
}


def _repair(app: str, migration: str):
    importlib.import_module(f"{app}.migrations.{migration}").repair(apps, None)


@pytest.mark.postgres
def test_out_of_range_rows_are_repaired_without_reading_them():
    # given: rows written before the fix, with values PostgreSQL stores but Python cannot read
    enrollment = EnrollmentFactory()
    person = enrollment.person
    account_with_money(person, "", current_fen=0, carried_fen=0, periods_paid=["202601"])
    contribution = Contribution.objects.get(person=person)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending at ALTER
        for table, constraint in CONSTRAINTS.items():
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
        cursor.execute(
            "ALTER TABLE enrollment_enrollment DROP CONSTRAINT enrollment_last_paid_at_in_range"
        )
        cursor.execute(
            "UPDATE accounts_insuredperson SET birth_date = '10000-01-01' WHERE id = %s",
            [person.pk],
        )
        cursor.execute(
            "UPDATE accounts_contribution SET paid_at = '10000-01-01 11:59:59+00' WHERE id = %s",
            [contribution.pk],
        )
        cursor.execute(
            "UPDATE enrollment_enrollment SET registered_at = '10000-01-01 11:59:59+00',"
            " last_paid_at = '1066-10-14 09:00:00+00' WHERE id = %s",
            [enrollment.pk],
        )
    # when
    _repair("accounts", "0013_repair_out_of_range_dates")
    _repair("enrollment", "0004_repair_out_of_range_dates")
    # then: every row reads again, with the values the migrations' docstrings promise
    person = InsuredPerson.objects.get(pk=person.pk)
    assert person.birth_date == dt.date(
        int(person.national_id[6:10]),
        int(person.national_id[10:12]),
        int(person.national_id[12:14]),
    )
    contribution = Contribution.objects.get(pk=contribution.pk)
    assert contribution.paid_at == contribution.created_at
    enrollment = Enrollment.objects.get(pk=enrollment.pk)
    assert enrollment.registered_at == enrollment.updated_at
    assert enrollment.last_paid_at is None


def test_the_database_refuses_a_time_past_2100():
    enrollment = EnrollmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.filter(pk=enrollment.pk).update(
            registered_at=dt.datetime(2101, 1, 2, tzinfo=dt.UTC)
        )
