"""Real transactions on PostgreSQL: two runs at once decide every duplicate once, and a feed
arriving during a run waits for it instead of slipping a change between decision and update."""

import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from enrollment.models import DuplicateCase, Enrollment, EnrollmentStatus
from enrollment.services import duplicates
from tests.concurrency import run_in_threads
from tests.enrollment.factories import account_with_money
from tests.factories import InsuredPersonFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_runs_started_together_decide_each_duplicate_once(enroll):
    # given: 30 persons, each employee + resident, and 10 with two records and money
    for _ in range(30):
        person = InsuredPersonFactory()
        enroll(person, "EMPLOYEE", "610100")
        enroll(person, "RESIDENT", "610300")
    for n in range(10):
        person = InsuredPersonFactory()
        enroll(person, "EMPLOYEE", "610100", record_id="A", paid="2026-10-05")
        enroll(person, "EMPLOYEE", "610100", record_id="B", paid="2025-10-05")
        account_with_money(person, "A", current_fen=100, carried_fen=0)
        account_with_money(person, "B", current_fen=n + 1, carried_fen=500)
    # when
    runs = run_in_threads([lambda: duplicates.duplicates_resolve(triggered_by="a")] * 2)
    # then
    assert all(not isinstance(r, Exception) for r in runs), runs
    decided = sorted(sum(r.counts["cases"].values()) for r in runs)
    assert decided == [0, 40]
    assert sum(r.counts["accounts_merged"] for r in runs) == 10
    assert DuplicateCase.objects.count() == 40
    assert Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE).count() == 40
    call_command("verify_ledger", stdout=io.StringIO())


def test_a_writer_waits_for_the_run_to_finish(enroll, monkeypatch):
    """While a run holds its lock, a change to an enrollment blocks until the run commits."""
    person = InsuredPersonFactory()
    employee = enroll(person, "EMPLOYEE", "610100")
    resident = enroll(person, "RESIDENT", "610100")
    deciding = threading.Event()
    real_rules = duplicates._rules_apply

    def slow_rules(**kwargs):
        deciding.set()
        time.sleep(0.5)
        return real_rules(**kwargs)

    monkeypatch.setattr(duplicates, "_rules_apply", slow_rules)
    timings = {}

    def writer():
        deciding.wait(5)
        start = time.perf_counter()
        with transaction.atomic():
            Enrollment.objects.filter(pk=employee.pk).update(status=EnrollmentStatus.STOPPED)
        timings["waited"] = time.perf_counter() - start
        connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    duplicates.duplicates_resolve(triggered_by="test")
    thread.join(10)
    # the writer waited, and its change came after the decision
    assert timings["waited"] > 0.3
    assert Enrollment.objects.get(pk=resident.pk).status == EnrollmentStatus.SUSPENDED
    assert Enrollment.objects.get(pk=employee.pk).status == EnrollmentStatus.STOPPED
