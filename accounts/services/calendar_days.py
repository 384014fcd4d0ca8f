"""The national holiday table, loaded from the `holidays` package's China calendar.

The package lists the State Council's days off that change a working day (and some that
fall on a weekend) plus the make-up working days (调休上班). The notices (and
`holidays_cn.csv`) announce each holiday as a block that includes the weekend days inside
or next to it (10月1日至8日放假); the table keeps those blocks, so staff see the schedule as
announced. Weekend days of a block are rest days anyway: they change no count.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import holidays
from django.db import transaction

from accounts.models import CalendarDay

HOLIDAY, WORKDAY = CalendarDay.Kind.HOLIDAY.value, CalendarDay.Kind.WORKDAY.value
_DAY = dt.timedelta(days=1)
# 全国年节及纪念日放假办法 (2024): 春节 is 农历除夕 and 正月初一至初三, as the notices name it.
_FESTIVAL_OF = {"农历除夕": "春节"}


@dataclass(frozen=True)
class ScheduledDay:
    date: dt.date
    kind: str
    name: str


def _is_weekend(day: dt.date) -> bool:
    return day.weekday() >= 5


def state_council_days(*, years: Iterable[int]) -> list[ScheduledDay]:
    """Every day off and make-up working day of the State Council's schedules for `years`,
    named after its holiday (国庆节、中秋节; 国庆节调休上班), in date order.

    Raises ValueError for a year whose schedule the package does not have.
    """
    years = sorted(set(years))
    source = holidays.China(years=years, language="zh_CN")
    # Without observed days (补假) only the festivals themselves carry a festival's name.
    festivals = holidays.China(years=years, language="zh_CN", observed=False)
    # The package keeps make-up days of other years in the same set: keep only ours.
    workdays = {day for day in source.weekend_workdays if day.year in years}
    # Every schedule since 2000 has make-up days; a year without any is one the package
    # does not have yet (it would give only the festivals, without the State Council's days).
    missing = [year for year in years if not any(day.year == year for day in workdays)]
    if missing:
        raise ValueError(
            f"the holidays package has no State Council schedule for {missing}: "
            "upgrade it or enter the days in the admin"
        )

    def substituted_label(workday: dt.date) -> str:
        return source.tr(source.substituted_label) % workday.strftime(
            source.tr(source.substituted_date_format)
        )

    workday_of_label = {substituted_label(day): day for day in workdays}
    days_off = {day for day in source if day.year in years}

    def is_rest(day: dt.date) -> bool:
        return day in days_off or (_is_weekend(day) and day not in workdays)

    # A block: the run of rest days around a day off, as the notice announces it.
    block_of: dict[dt.date, tuple[dt.date, ...]] = {}
    for day in sorted(days_off):
        if day in block_of:
            continue
        start = end = day
        while is_rest(start - _DAY):
            start -= _DAY
        while is_rest(end + _DAY):
            end += _DAY
        block = tuple(start + _DAY * i for i in range((end - start).days + 1))
        block_of.update(dict.fromkeys(block, block))

    def block_name(block: tuple[dt.date, ...]) -> str:
        names: list[str] = []
        for day in block:
            for label in festivals.get_list(day):
                name = _FESTIVAL_OF.get(label, label)
                if name not in workday_of_label and name not in names:
                    names.append(name)
        return "、".join(names)

    scheduled = [
        ScheduledDay(day, HOLIDAY, block_name(block) or source.get(day))
        for day, block in block_of.items()
        if day.year in years
    ]
    for day_off in days_off:
        for label in source.get_list(day_off):
            if label in workday_of_label:
                workday = workday_of_label[label]
                name = f"{block_name(block_of[day_off])}调休上班"
                scheduled.append(ScheduledDay(workday, WORKDAY, name))
    return sorted(scheduled, key=lambda day: day.date)


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def calendar_days_load(*, years: Iterable[int]) -> LoadResult:
    """Set every national day of `years`'s schedules to the source's kind and name.

    Idempotent. National days the source does not list (added by staff) and regions' own
    days stay as they are.
    """
    scheduled = state_council_days(years=years)
    existing = {
        row.date: row
        for row in CalendarDay.objects.filter(
            region__isnull=True, date__in=[day.date for day in scheduled]
        )
        .order_by("pk")
        .select_for_update()
    }
    created = updated = unchanged = 0
    for day in scheduled:
        row = existing.get(day.date)
        if row is None:
            CalendarDay.objects.create(date=day.date, kind=day.kind, name=day.name)
            created += 1
        elif (row.kind, row.name) != (day.kind, day.name):
            row.kind, row.name = day.kind, day.name
            row.save(update_fields=["kind", "name"])
            updated += 1
        else:
            unchanged += 1
    return LoadResult(created=created, updated=updated, unchanged=unchanged)
