"""The national calendar holds the State Council's schedules for 2025–2026, taken from the
`holidays` package and checked against the published list (`holidays_cn.csv`)."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from accounts.models import CalendarDay
from accounts.services.calendar_days import state_council_days
from tests.accounts.calendar_factories import CalendarDayFactory, state_council_schedule

pytestmark = pytest.mark.django_db

D = dt.date
YEARS = (2025, 2026)


def national_days() -> dict[dt.date, tuple[str, str]]:
    rows = CalendarDay.objects.filter(region__isnull=True, date__year__in=YEARS)
    return {row.date: (row.kind, row.name) for row in rows}


def load(*years: int) -> str:
    out = io.StringIO()
    call_command("load_holidays", "--years", *map(str, years), stdout=out)
    return out.getvalue()


def assert_matches_the_published_schedule(days: dict[dt.date, tuple[str, str]]) -> None:
    published = state_council_schedule()
    kinds = {day: kind for day, (kind, _name) in days.items()}
    assert kinds == {day: kind for day, (kind, _name) in published.items()}
    # Names follow the notices' headings: 国庆节、中秋节 where the CSV says 国庆节 alone.
    for day, (_kind, name) in published.items():
        festival = name.removesuffix("调休上班")
        assert festival.split("、")[0] in days[day][1], (day, name, days[day][1])


def test_the_migrated_calendar_holds_every_published_holiday_and_make_up_day():
    assert_matches_the_published_schedule(national_days())


def test_the_package_gives_every_published_holiday_and_make_up_day():
    days = {day.date: (day.kind, day.name) for day in state_council_days(years=YEARS)}
    assert_matches_the_published_schedule(days)


def test_loading_fills_an_empty_calendar_with_the_published_schedule():
    # given no national days
    CalendarDay.objects.filter(region__isnull=True).delete()
    # when
    output = load(*YEARS)
    # then
    assert_matches_the_published_schedule(national_days())
    assert f"{len(state_council_schedule())} created, 0 updated, 0 unchanged" in output


def test_loading_again_changes_nothing():
    before = national_days()
    output = load(*YEARS)
    assert national_days() == before
    assert f"0 created, 0 updated, {len(before)} unchanged" in output


def test_loading_restores_edited_days_and_leaves_added_and_regional_days_alone():
    # given a national day edited, one added by staff, and a region's own day
    CalendarDay.objects.filter(region__isnull=True, date=D(2025, 10, 11)).update(
        kind=CalendarDay.Kind.HOLIDAY, name="误改"
    )
    CalendarDay.objects.create(date=D(2025, 12, 31), kind="HOLIDAY", name="全国临时假日")
    CalendarDayFactory(date=D(2025, 10, 9), region_id="610100")
    # when
    output = load(2025)
    # then
    assert "0 created, 1 updated" in output
    restored = CalendarDay.objects.get(region__isnull=True, date=D(2025, 10, 11))
    assert restored.kind == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.filter(region__isnull=True, date=D(2025, 12, 31)).exists()
    assert CalendarDay.objects.filter(region_id="610100", date=D(2025, 10, 9)).exists()


def test_a_year_the_package_has_no_schedule_for_is_refused():
    """The festivals alone are not a schedule: no make-up days means not published (yet)."""
    count = CalendarDay.objects.count()
    with pytest.raises(CommandError, match="2099"):
        load(2026, 2099)
    assert CalendarDay.objects.count() == count


def test_a_date_has_one_national_entry():
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(date=D(2025, 10, 1), kind="WORKDAY", name="重复")


def test_a_date_has_one_entry_per_region_beside_the_national_one():
    CalendarDayFactory(date=D(2025, 10, 1), region_id="610100")
    CalendarDayFactory(date=D(2025, 10, 1), region_id="140100")
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDayFactory(date=D(2025, 10, 1), region_id="610100")
