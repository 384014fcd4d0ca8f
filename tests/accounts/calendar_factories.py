"""Working-day calendar test data: days of the table, and the State Council's schedule as
published beside the repository (`../shared/data/holidays_cn.csv`)."""

import csv
import datetime as dt
import functools
from pathlib import Path

import factory
from django.conf import settings

from accounts.models import CalendarDay

STATE_COUNCIL_CSV = Path(settings.BASE_DIR).parent / "shared" / "data" / "holidays_cn.csv"


class CalendarDayFactory(factory.django.DjangoModelFactory):
    """A region's own day off unless told otherwise (national days come from the migration)."""

    class Meta:
        model = CalendarDay

    date = dt.date(2025, 10, 9)
    kind = CalendarDay.Kind.HOLIDAY
    name = "地方节日"
    region_id = "610100"


@functools.cache
def state_council_schedule() -> dict[dt.date, tuple[str, str]]:
    """{date: (kind, name)} of every day the published schedules for 2025–2026 list."""
    with STATE_COUNCIL_CSV.open(encoding="utf-8") as handle:
        return {
            dt.date.fromisoformat(row["date"]): (row["kind"], row["name"])
            for row in csv.DictReader(handle)
        }


def is_working_day_per_schedule(day: dt.date) -> bool:
    """SPEC §1 read straight from the published schedule: the oracle for the calendar."""
    kind, _name = state_council_schedule().get(day, (None, None))
    if kind is None:
        return day.weekday() < 5
    return kind == "WORKDAY"
