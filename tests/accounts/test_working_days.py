"""Working days (SPEC §1): Monday–Friday minus days off plus make-up working days, counted
from the first working day after the event; a region's own days count in that region only."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import CalendarDay, Region
from accounts.working_days import add_working_days, is_working_day, working_days_between
from tests.accounts.calendar_factories import CalendarDayFactory, is_working_day_per_schedule

pytestmark = pytest.mark.django_db

D = dt.date
XIAN, TAIYUAN = "610100", "140100"


def test_an_application_on_friday_26_september_2025_has_its_10th_working_day_on_16_october():
    """SPEC §1's own example, across National Day and both of its make-up days."""
    assert add_working_days(D(2025, 9, 26), 10) == D(2025, 10, 16)
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 16)) == 10


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 9, 27), False),  # an ordinary Saturday
        (D(2025, 9, 28), True),  # make-up Sunday (调休上班)
        (D(2025, 9, 30), True),
        (D(2025, 10, 1), False),
        (D(2025, 10, 4), False),  # Saturday inside the holiday
        (D(2025, 10, 8), False),  # Wednesday off, made up on 11 October
        (D(2025, 10, 9), True),
        (D(2025, 10, 11), True),  # make-up Saturday
        (D(2025, 10, 12), False),
        (D(2026, 2, 14), True),  # make-up Saturday before Spring Festival
        (D(2026, 2, 15), False),
        (D(2026, 2, 23), False),  # Monday off, made up on 28 February
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # make-up Saturday after it
        (D(2026, 3, 1), False),
    ],
)
def test_national_day_2025_and_spring_festival_2026_days(day, working):
    assert is_working_day(day) is working


def test_a_count_from_a_holiday_starts_at_the_first_working_day_after_it():
    # given an event on National Day itself
    # then day 1 is the first working day after the holiday
    assert add_working_days(D(2025, 10, 3), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 10, 3), 3) == D(2025, 10, 11)
    assert working_days_between(D(2025, 10, 3), D(2025, 10, 11)) == 3


def test_a_count_from_a_make_up_saturday_starts_on_the_next_working_day():
    assert add_working_days(D(2025, 10, 11), 1) == D(2025, 10, 13)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)


def test_a_make_up_day_is_day_1_of_an_event_the_day_before():
    assert add_working_days(D(2025, 9, 27), 1) == D(2025, 9, 28)
    assert add_working_days(D(2026, 2, 27), 1) == D(2026, 2, 28)


def test_zero_working_days_is_the_day_itself_even_a_holiday():
    assert add_working_days(D(2025, 10, 1), 0) == D(2025, 10, 1)
    assert add_working_days(D(2025, 10, 9), 0) == D(2025, 10, 9)
    assert working_days_between(D(2025, 10, 1), D(2025, 10, 1)) == 0


def test_no_working_day_passes_inside_a_holiday_block():
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 8)) == 0
    assert working_days_between(D(2026, 2, 14), D(2026, 2, 23)) == 0
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2


def test_spring_festival_2026_with_both_make_up_saturdays():
    # Feb 14 (Sat), Feb 24–27, Feb 28 (Sat)
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6
    assert add_working_days(D(2026, 2, 13), 6) == D(2026, 2, 28)
    assert add_working_days(D(2026, 2, 13), 7) == D(2026, 3, 2)


def test_a_count_across_national_day_2025_and_spring_festival_2026_agrees_with_the_schedule():
    start, end = D(2025, 9, 1), D(2026, 3, 31)
    expected = sum(
        is_working_day_per_schedule(start + dt.timedelta(days=i))
        for i in range(1, (end - start).days + 1)
    )
    assert working_days_between(start, end) == expected
    assert add_working_days(start, expected) == D(2026, 3, 31)


def test_every_day_of_2025_and_2026_is_a_working_day_exactly_as_the_schedule_says():
    day = D(2025, 1, 1)
    while day.year < 2027:
        assert is_working_day(day) is is_working_day_per_schedule(day), day
        day += dt.timedelta(days=1)


def test_a_count_backwards_is_the_same_count_negated():
    assert working_days_between(D(2025, 10, 16), D(2025, 9, 26)) == -10


def test_a_region_s_own_holiday_counts_in_that_region_only():
    # given Xi'an's own day off on Thursday 9 October 2025
    CalendarDayFactory(date=D(2025, 10, 9), region_id=XIAN)
    # then Xi'an's 10th working day moves one day; nowhere else does
    assert is_working_day(D(2025, 10, 9), region=XIAN) is False
    assert is_working_day(D(2025, 10, 9), region=Region.objects.get(pk=XIAN)) is False
    assert is_working_day(D(2025, 10, 9)) is True
    assert is_working_day(D(2025, 10, 9), region=TAIYUAN) is True
    assert add_working_days(D(2025, 9, 26), 10, region=XIAN) == D(2025, 10, 17)
    assert add_working_days(D(2025, 9, 26), 10, region=TAIYUAN) == D(2025, 10, 16)
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 16), region=XIAN) == 9
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 16), region=TAIYUAN) == 10


def test_a_region_s_own_day_wins_over_the_national_one():
    # given Xi'an working on 8 October 2025, a national day off
    CalendarDayFactory(date=D(2025, 10, 8), kind=CalendarDay.Kind.WORKDAY, region_id=XIAN)
    assert is_working_day(D(2025, 10, 8), region=XIAN) is True
    assert is_working_day(D(2025, 10, 8)) is False
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 8), region=XIAN) == 1
    assert add_working_days(D(2025, 9, 30), 1, region=XIAN) == D(2025, 10, 8)


def test_an_edit_of_the_table_counts_from_the_next_call_on():
    assert is_working_day(D(2025, 10, 9)) is True
    CalendarDay.objects.create(date=D(2025, 10, 9), kind=CalendarDay.Kind.HOLIDAY, name="临时")
    assert is_working_day(D(2025, 10, 9)) is False
    assert add_working_days(D(2025, 9, 26), 10) == D(2025, 10, 17)


def test_one_query_answers_a_deadline_and_a_count(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(D(2025, 9, 26), 15, region=XIAN)
    with django_assert_num_queries(1):
        working_days_between(D(2025, 1, 1), D(2026, 12, 31), region=XIAN)


def test_a_deadline_beyond_the_first_window_is_still_found():
    # given a region off for a whole quarter (longer than the window one query reads)
    CalendarDay.objects.bulk_create(
        CalendarDay(
            date=D(2025, 11, 1) + dt.timedelta(days=i), kind="HOLIDAY", name="停", region_id=XIAN
        )
        for i in range(92)
    )
    # then the count goes on after it
    assert add_working_days(D(2025, 10, 31), 1, region=XIAN) == D(2026, 2, 2)


def test_a_negative_count_and_a_time_are_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2025, 10, 1), -1)
    with pytest.raises(TypeError):
        is_working_day(dt.datetime(2025, 10, 1, 9, 0))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    day=st.dates(D(2024, 12, 1), D(2026, 11, 30)),
    n=st.integers(0, 40),
    region=st.sampled_from([None, XIAN]),
)
def test_counting_back_the_working_days_added_gives_n(day, n, region):
    """add_working_days then working_days_between gives n back, whatever the start; day n
    is a working day; national counts agree with the published schedule."""
    # given Xi'an's own day off (idempotent across examples)
    CalendarDay.objects.get_or_create(
        date=D(2025, 10, 9), region_id=XIAN, defaults={"kind": "HOLIDAY", "name": "地方节日"}
    )
    # when
    due = add_working_days(day, n, region=region)
    # then
    assert working_days_between(day, due, region=region) == n
    if n:
        assert is_working_day(due, region=region)
        assert working_days_between(day, due - dt.timedelta(days=1), region=region) == n - 1
    if region is None and due.year < 2027:
        expected, passed = day, 0
        while passed < n:
            expected += dt.timedelta(days=1)
            passed += is_working_day_per_schedule(expected)
        assert due == expected
