"""Duplicate resolution (重复参保) follows 就高就新, rule by rule, as the Xi'an agency does."""

import pytest
from django.core.management import call_command

from enrollment.models import DuplicateCase, Enrollment, EnrollmentStatus, ResolutionRun
from tests.enrollment.factories import cases_of, statuses
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db

ACTIVE, SUSPENDED, MERGED = (
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.SUSPENDED,
    EnrollmentStatus.MERGED,
)
Rule = DuplicateCase.Rule


# Rule 1: employee or flexible + resident


def test_employee_and_resident_keep_the_employee_and_suspend_the_resident(enroll, resolve):
    """参保人同时参加了职工医保和居民医保，则保留职工医保，暂停居民医保 — even when the
    resident premium was paid more recently."""
    # given
    person = InsuredPersonFactory()
    employee = enroll(person, "EMPLOYEE", "610100", paid="2026-01-05")
    resident = enroll(person, "RESIDENT", "610100", paid="2026-10-20")
    # when
    run = resolve()
    # then
    assert statuses(employee, resident) == [ACTIVE, SUSPENDED]
    assert cases_of(person) == [
        (Rule.EMPLOYEE_OVER_RESIDENT, "DECIDED", employee.pk, [resident.pk])
    ]
    case = DuplicateCase.objects.get(person=person)
    assert case.region_id == "610100"
    assert case.decided_by_system == "resolve_duplicates"
    assert case.decided_at is not None and case.run == run
    resident.refresh_from_db()
    assert "居民医保暂停" in resident.status_reason


def test_flexible_counts_as_employee_against_a_resident_in_another_region(enroll, resolve):
    """灵活就业 is the employee scheme paid by the person: it too beats resident insurance."""
    person = InsuredPersonFactory()
    flexible = enroll(person, "FLEXIBLE", "610100", paid="2025-05-01")
    resident = enroll(person, "RESIDENT", "610300", paid="2026-01-01")
    resolve()
    assert statuses(flexible, resident) == [ACTIVE, SUSPENDED]
    case = DuplicateCase.objects.get(person=person)
    assert (case.rule, case.region_id) == (Rule.EMPLOYEE_OVER_RESIDENT, "610300")


# Rule 2: employee in several regions


def test_employee_in_two_cities_keeps_the_most_recently_paid(enroll, resolve):
    """参保人同时参加多地市职工医保，则保留缴费时间最新的职工医保，暂停其他地市职工医保."""
    person = InsuredPersonFactory()
    xian = enroll(person, "EMPLOYEE", "610100", paid="2026-08-05", registered="2010-01-01")
    taiyuan = enroll(person, "EMPLOYEE", "140100", paid="2026-11-05", registered="2026-07-01")
    resolve()
    assert statuses(xian, taiyuan) == [SUSPENDED, ACTIVE]
    assert cases_of(person) == [(Rule.EMPLOYEE_NEWEST, "DECIDED", taiyuan.pk, [xian.pk])]
    assert DuplicateCase.objects.get(person=person).region_id == "610100"


def test_employee_tie_on_payment_prefers_employee_over_flexible_then_registered_first(
    enroll, resolve
):
    """The seeds give no tie rule for employees: 就高 (employer-paid over flexible), then 先入库."""
    # given: same payment time everywhere
    one = InsuredPersonFactory()
    flexible = enroll(one, "FLEXIBLE", "610100", paid="2026-10-05", registered="2005-01-01")
    employee = enroll(one, "EMPLOYEE", "140100", paid="2026-10-05", registered="2020-01-01")
    two = InsuredPersonFactory()
    older = enroll(two, "EMPLOYEE", "140100", paid="2026-10-05", registered="2012-06-01")
    newer = enroll(two, "EMPLOYEE", "110100", paid="2026-10-05", registered="2019-06-01")
    # when
    resolve()
    # then
    assert statuses(flexible, employee) == [SUSPENDED, ACTIVE]
    assert statuses(older, newer) == [ACTIVE, SUSPENDED]


def test_employee_and_flexible_in_the_same_region_merge_into_the_most_recently_paid(
    enroll, resolve
):
    """Rule 4 covers employee and flexible alike: one person's records in one city with the
    same ID and name merge into the most recently paid one (seed 002), nothing is suspended."""
    # given
    person = InsuredPersonFactory()
    employee = enroll(person, "EMPLOYEE", "610100", paid="2026-03-05")
    flexible = enroll(person, "FLEXIBLE", "610100", paid="2026-10-10")
    # when
    resolve()
    # then
    assert statuses(employee, flexible) == [MERGED, ACTIVE]
    employee.refresh_from_db()
    assert employee.merged_into == flexible
    assert cases_of(person) == [(Rule.SAME_REGION_MERGE, "DECIDED", flexible.pk, [employee.pk])]


def test_a_never_paid_employee_record_loses_to_a_paid_one(enroll, resolve):
    person = InsuredPersonFactory()
    unpaid = enroll(person, "EMPLOYEE", "610100", paid=None, registered="2026-10-01")
    paid = enroll(person, "EMPLOYEE", "140100", paid="2020-01-01")
    resolve()
    assert statuses(unpaid, paid) == [SUSPENDED, ACTIVE]


# Rule 3: resident in several regions


def test_resident_in_two_regions_keeps_the_most_recently_paid(enroll, resolve):
    """参保人同时参加多地市居民医保，则保留缴费时间最近的."""
    person = InsuredPersonFactory()
    xian = enroll(person, "RESIDENT", "610100", paid="2024-12-18", registered="2010-01-01")
    baoji = enroll(person, "RESIDENT", "610300", paid="2025-12-22", registered="2024-09-20")
    resolve()
    assert statuses(xian, baoji) == [SUSPENDED, ACTIVE]
    assert cases_of(person) == [(Rule.RESIDENT_NEWEST, "DECIDED", baoji.pk, [xian.pk])]


def test_resident_tie_on_payment_keeps_the_one_registered_first(enroll, resolve):
    """缴费时间相同的，则保留先入库的，暂停其他居民医保."""
    person = InsuredPersonFactory()
    taiyuan = enroll(person, "RESIDENT", "140100", paid="2025-12-20", registered="2018-11-02")
    xian = enroll(person, "RESIDENT", "610100", paid="2025-12-20", registered="2016-10-08")
    baoji = enroll(person, "RESIDENT", "610300", paid="2025-12-20", registered="2017-01-01")
    resolve()
    assert statuses(taiyuan, xian, baoji) == [SUSPENDED, ACTIVE, SUSPENDED]
    assert sorted(cases_of(person)) == sorted(
        [
            (Rule.RESIDENT_NEWEST, "DECIDED", xian.pk, [taiyuan.pk]),
            (Rule.RESIDENT_NEWEST, "DECIDED", xian.pk, [baoji.pk]),
        ]
    )


# Rule 4: several records in one region and scheme, same ID and name


def test_two_records_in_one_region_are_merged_into_the_most_recently_paid(enroll, resolve):
    """西安市内重复参保、多账号人员，身份证和姓名均一致的将进行合并."""
    person = InsuredPersonFactory()
    legacy = enroll(person, "EMPLOYEE", "610100", record_id="61019900078123", paid="2024-05-05")
    current = enroll(person, "EMPLOYEE", "610100", record_id="61010000321456", paid="2026-11-05")
    resolve()
    assert statuses(legacy, current) == [MERGED, ACTIVE]
    legacy.refresh_from_db()
    assert legacy.merged_into == current
    assert cases_of(person) == [(Rule.SAME_REGION_MERGE, "DECIDED", current.pk, [legacy.pk])]


def test_merge_tie_on_payment_keeps_the_record_registered_first(enroll, resolve):
    person = InsuredPersonFactory()
    newer = enroll(person, "EMPLOYEE", "610100", record_id="A", registered="2015-03-01")
    older = enroll(person, "EMPLOYEE", "610100", record_id="B", registered="2009-05-01")
    resolve()
    assert statuses(newer, older) == [MERGED, ACTIVE]


def test_three_records_in_one_region_become_one(enroll, resolve):
    person = InsuredPersonFactory()
    records = [
        enroll(person, "RESIDENT", "610100", record_id=f"R{n}", paid=f"202{n}-12-20")
        for n in (3, 5, 4)
    ]
    resolve()
    assert statuses(*records) == [MERGED, ACTIVE, MERGED]
    assert cases_of(person) == [
        (Rule.SAME_REGION_MERGE, "DECIDED", records[1].pk, sorted([records[0].pk, records[2].pk]))
    ]


# Three-way and mixed cases


def test_employee_in_two_cities_plus_resident(enroll, resolve):
    """Rule 1 takes the resident out, rule 2 picks the newest employee city; two cases."""
    # given
    person = InsuredPersonFactory()
    xian = enroll(person, "EMPLOYEE", "610100", paid="2026-06-05")
    taiyuan = enroll(person, "EMPLOYEE", "140100", paid="2026-10-05")
    resident = enroll(person, "RESIDENT", "610300", paid="2026-11-20")
    # when
    resolve()
    # then
    assert statuses(xian, taiyuan, resident) == [SUSPENDED, ACTIVE, SUSPENDED]
    assert sorted(cases_of(person)) == sorted(
        [
            (Rule.EMPLOYEE_NEWEST, "DECIDED", taiyuan.pk, [xian.pk]),
            (Rule.EMPLOYEE_OVER_RESIDENT, "DECIDED", taiyuan.pk, [resident.pk]),
        ]
    )


def test_two_records_in_the_kept_city_plus_another_city_plus_residents(enroll, resolve):
    """Xi'an (two 个人编号, newest payment) stays and merges; Taiyuan employee and both
    residents are suspended: four rules' worth of work in one person, one keeper."""
    person = InsuredPersonFactory()
    xian_a = enroll(person, "EMPLOYEE", "610100", record_id="A", paid="2026-11-05")
    xian_b = enroll(person, "EMPLOYEE", "610100", record_id="B", paid="2025-01-05")
    taiyuan = enroll(person, "EMPLOYEE", "140100", paid="2026-09-05")
    resident_xian = enroll(person, "RESIDENT", "610100", paid="2025-12-20")
    resident_baoji = enroll(person, "RESIDENT", "610300", paid="2025-12-21")
    resolve()
    assert statuses(xian_a, xian_b, taiyuan, resident_xian, resident_baoji) == [
        ACTIVE,
        MERGED,
        SUSPENDED,
        SUSPENDED,
        SUSPENDED,
    ]
    by_rule = {
        (rule, region): (kept, changed)
        for rule, region, kept, changed in (
            (c.rule, c.region_id, c.kept_id, sorted(c.changes.values_list("enrollment", flat=True)))
            for c in DuplicateCase.objects.filter(person=person)
        )
    }
    assert by_rule == {
        (Rule.SAME_REGION_MERGE, "610100"): (xian_a.pk, [xian_b.pk]),
        (Rule.EMPLOYEE_NEWEST, "140100"): (xian_a.pk, [taiyuan.pk]),
        (Rule.EMPLOYEE_OVER_RESIDENT, "610100"): (xian_a.pk, [resident_xian.pk]),
        (Rule.EMPLOYEE_OVER_RESIDENT, "610300"): (xian_a.pk, [resident_baoji.pk]),
    }


def test_a_city_with_two_records_wins_by_its_newest_payment(enroll, resolve):
    """A place is judged by its most recent payment, whichever of its records carries it."""
    person = InsuredPersonFactory()
    xian_old = enroll(person, "EMPLOYEE", "610100", record_id="A", paid="2020-01-05")
    xian_new = enroll(person, "EMPLOYEE", "610100", record_id="B", paid="2026-11-05")
    taiyuan = enroll(person, "EMPLOYEE", "140100", paid="2026-06-05")
    resolve()
    assert statuses(xian_old, xian_new, taiyuan) == [MERGED, ACTIVE, SUSPENDED]


def test_records_in_a_region_that_is_not_kept_merge_too(enroll, resolve):
    """Rule 4 in every region: Taiyuan loses to Xi'an (rule 2), and its two 个人编号 still
    become one (merged into Taiyuan's newest), which is the record suspended."""
    # given
    person = InsuredPersonFactory()
    xian = enroll(person, "EMPLOYEE", "610100", paid="2026-11-05")
    taiyuan_old = enroll(person, "EMPLOYEE", "140100", record_id="T1", paid="2024-06-05")
    taiyuan_new = enroll(person, "FLEXIBLE", "140100", record_id="T2", paid="2026-06-05")
    # when
    resolve()
    # then
    assert statuses(xian, taiyuan_old, taiyuan_new) == [ACTIVE, MERGED, SUSPENDED]
    taiyuan_old.refresh_from_db()
    assert taiyuan_old.merged_into == taiyuan_new
    assert sorted(cases_of(person)) == sorted(
        [
            (Rule.SAME_REGION_MERGE, "DECIDED", taiyuan_new.pk, [taiyuan_old.pk]),
            (Rule.EMPLOYEE_NEWEST, "DECIDED", xian.pk, [taiyuan_new.pk]),
        ]
    )


def test_resident_records_of_a_region_merge_apart_from_the_employee_one(enroll, resolve):
    """In the kept city, the employee record stays, its two resident records become one
    (merged) and that one is suspended for the employee scheme (rule 1)."""
    person = InsuredPersonFactory()
    employee = enroll(person, "EMPLOYEE", "610100", paid="2026-10-05")
    resident_new = enroll(person, "RESIDENT", "610100", record_id="R2", paid="2025-12-20")
    resident_old = enroll(person, "RESIDENT", "610100", record_id="R1", paid="2023-12-20")
    resolve()
    assert statuses(employee, resident_new, resident_old) == [ACTIVE, SUSPENDED, MERGED]
    assert sorted(cases_of(person)) == sorted(
        [
            (Rule.SAME_REGION_MERGE, "DECIDED", resident_new.pk, [resident_old.pk]),
            (Rule.EMPLOYEE_OVER_RESIDENT, "DECIDED", employee.pk, [resident_new.pk]),
        ]
    )


def test_only_active_records_count(enroll, resolve):
    """A stopped (停保) or already suspended record is no duplicate."""
    person = InsuredPersonFactory()
    stopped = enroll(person, "EMPLOYEE", "140100", status=EnrollmentStatus.STOPPED)
    suspended = enroll(person, "RESIDENT", "610300", status=EnrollmentStatus.SUSPENDED)
    active = enroll(person, "RESIDENT", "610100")
    run = resolve()
    assert statuses(stopped, suspended, active) == ["STOPPED", SUSPENDED, ACTIVE]
    assert run.counts["cases"] == {}


# Runs


def test_a_second_run_changes_nothing(enroll, resolve):
    """Re-running is idempotent: no new case, no record touched."""
    # given
    person = InsuredPersonFactory()
    enroll(person, "EMPLOYEE", "610100", record_id="A")
    enroll(person, "EMPLOYEE", "610100", record_id="B", paid="2020-01-01")
    enroll(person, "EMPLOYEE", "140100", paid="2019-01-01")
    enroll(person, "RESIDENT", "610300")
    resolve()
    before = list(Enrollment.objects.values_list("pk", "status", "status_reason", "updated_at"))
    cases = DuplicateCase.objects.count()
    # when
    again = resolve()
    # then
    assert again.counts["cases"] == {} and again.counts["enrollments"] == {}
    assert DuplicateCase.objects.count() == cases
    assert (
        list(Enrollment.objects.values_list("pk", "status", "status_reason", "updated_at"))
        == before
    )


def test_a_run_records_its_counts_by_rule(enroll, resolve):
    for scheme_pair in [("EMPLOYEE", "RESIDENT"), ("RESIDENT", "RESIDENT")]:
        person = InsuredPersonFactory()
        enroll(person, scheme_pair[0], "610100")
        enroll(person, scheme_pair[1], "610300", paid="2020-12-20")
    run = resolve()
    assert run.status == ResolutionRun.Status.SUCCEEDED
    assert run.finished_at is not None
    assert run.counts["cases"] == {"EMPLOYEE_OVER_RESIDENT": 1, "RESIDENT_NEWEST": 1}
    assert run.counts["enrollments"] == {"EMPLOYEE_OVER_RESIDENT": 1, "RESIDENT_NEWEST": 1}


def test_a_run_can_be_limited_to_some_persons(enroll, resolve):
    one, two = InsuredPersonFactory(), InsuredPersonFactory()
    for person in (one, two):
        enroll(person, "EMPLOYEE", "610100")
        enroll(person, "RESIDENT", "610100")
    resolve(person_ids=[one.pk])
    assert DuplicateCase.objects.filter(person=one).count() == 1
    assert not DuplicateCase.objects.filter(person=two).exists()


def test_the_command_prints_counts_by_rule(enroll, capsys):
    person = InsuredPersonFactory()
    enroll(person, "EMPLOYEE", "610100")
    enroll(person, "RESIDENT", "610100")
    call_command("resolve_duplicates")
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "cases        1" in lines["EMPLOYEE_OVER_RESIDENT"]
    assert "cases        0" in lines["RESIDENT_NEWEST"]
    assert set(Rule.values) <= set(lines)


def test_the_task_has_a_stable_name_and_runs_nightly(enroll, settings):
    from enrollment import tasks

    person = InsuredPersonFactory()
    enroll(person, "EMPLOYEE", "610100")
    enroll(person, "RESIDENT", "610100")
    assert tasks.resolve_duplicates.name == "enrollment.resolve_duplicates"
    assert tasks.merge_duplicate_accounts.name == "enrollment.merge_duplicate_accounts"
    nightly = [
        job
        for job in settings.CELERY_BEAT_SCHEDULE.values()
        if job["task"] == "enrollment.resolve_duplicates"
    ]
    assert len(nightly) == 1
    result = tasks.resolve_duplicates.delay(triggered_by="test").get()
    assert result["cases"] == {"EMPLOYEE_OVER_RESIDENT": 1}
