"""Other apps learn through enrollment's door whether a person is suspended (暂停) in a region:
a record of theirs there is SUSPENDED and none is ACTIVE; for a personal account only the
employee and flexible records count."""

import pytest
from django.db import connection

from enrollment import selectors
from enrollment.models import EnrollmentStatus
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db

XIAN, TAIYUAN = "610100", "140100"
SUSPENDED = EnrollmentStatus.SUSPENDED


def test_suspended_where_a_record_is_suspended_and_none_is_active(enroll):
    # given: one person suspended in 西安 and active in 太原; another active and suspended in 西安
    checked, mixed = InsuredPersonFactory(), InsuredPersonFactory()
    enroll(checked, "EMPLOYEE", XIAN, status=SUSPENDED)
    enroll(checked, "RESIDENT", TAIYUAN)
    enroll(mixed, "EMPLOYEE", XIAN, record_id="A")
    enroll(mixed, "EMPLOYEE", XIAN, record_id="B", status=SUSPENDED)
    # when: asked for every pair in one call
    found = selectors.suspended_in_regions(
        pairs=[(checked.pk, XIAN), (checked.pk, TAIYUAN), (mixed.pk, XIAN), (mixed.pk, TAIYUAN)]
    )
    # then
    assert found == {(checked.pk, XIAN)}


def test_for_a_personal_account_only_employee_and_flexible_records_count(enroll):
    """A resident record suspended beside an active employee one (rule 1) leaves the account
    usable; an employee record suspended beside an active resident one does not."""
    kept_employee, kept_resident = InsuredPersonFactory(), InsuredPersonFactory()
    enroll(kept_employee, "EMPLOYEE", XIAN)
    enroll(kept_employee, "RESIDENT", XIAN, status=SUSPENDED)
    enroll(kept_resident, "FLEXIBLE", XIAN, status=SUSPENDED)
    enroll(kept_resident, "RESIDENT", XIAN)
    pairs = [(kept_employee.pk, XIAN), (kept_resident.pk, XIAN)]
    assert selectors.suspended_in_regions(pairs=pairs, account_only=True) == {
        (kept_resident.pk, XIAN)
    }
    assert selectors.suspended_in_regions(pairs=pairs) == set()


def test_the_sql_fragment_answers_as_the_selector_does(enroll):
    """For a statement of another app that must stay one statement (the pinned transfer)."""
    suspended, active = InsuredPersonFactory(), InsuredPersonFactory()
    enroll(suspended, "EMPLOYEE", XIAN, status=SUSPENDED)
    enroll(active, "EMPLOYEE", XIAN)
    sql, params = selectors.suspended_in_region_sql(
        person="p.id", region="%(region)s", account_only=True
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, ({sql}) FROM accounts_insuredperson p WHERE p.id IN (%(a)s, %(b)s)",  # noqa: S608 — constant SQL, placeholders only
            {**params, "region": XIAN, "a": suspended.pk, "b": active.pk},
        )
        answers = {pk: bool(value) for pk, value in cursor.fetchall()}
    assert answers == {suspended.pk: True, active.pk: False}
