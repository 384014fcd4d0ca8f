"""Working days (工作日, SPEC §1): Monday–Friday, minus days off, plus make-up working days.

The table `CalendarDay` holds the exceptions: national rows for everyone, a region's rows
for that region only (winning over a national row of the same date). Every function reads
the table afresh with one query per call (per window for long `add_working_days`), so an
admin edit counts from the next call on.

Counting follows SPEC §1: day 1 is the first working day after the event. Dates are
calendar dates in Asia/Shanghai (`timezone.localdate(moment)` for a time).
"""

import datetime as dt

from django.db.models import Q

from accounts.models import CalendarDay, Region

_DAY = dt.timedelta(days=1)


def _region_code(region: Region | str | None) -> str | None:
    return region.pk if isinstance(region, Region) else region


def _check_date(day: dt.date) -> None:
    # A datetime is a date to Python, but would compare unequal to every row's date.
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"expected a date, got {type(day).__name__}")


def _exceptions(first: dt.date, last: dt.date, region: Region | str | None) -> dict:
    """{date: kind} of the rows that apply to `region` from `first` to `last` inclusive."""
    code = _region_code(region)
    where = Q(region__isnull=True) if code is None else Q(region__isnull=True) | Q(region=code)
    kinds: dict[dt.date, str] = {}
    rows = CalendarDay.objects.filter(where, date__gte=first, date__lte=last).order_by()
    for day, kind, row_region in rows.values_list("date", "kind", "region"):
        if row_region is not None or day not in kinds:
            kinds[day] = kind
    return kinds


def _is_working(day: dt.date, exceptions: dict) -> bool:
    kind = exceptions.get(day)
    if kind is None:
        return day.weekday() < 5
    return kind == CalendarDay.Kind.WORKDAY


def is_working_day(day: dt.date, *, region: Region | str | None = None) -> bool:
    """Whether `day` is a working day nationally, or in `region` (a Region or its code)."""
    _check_date(day)
    return _is_working(day, _exceptions(day, day, region))


def add_working_days(day: dt.date, n: int, *, region: Region | str | None = None) -> dt.date:
    """The `n`-th working day after `day` (day 1 is the first working day after it): the due
    date of a deadline of `n` working days from an event on `day`. `n` = 0 gives `day`.

    Raises ValueError for a negative `n`.
    """
    _check_date(day)
    if n < 0:
        raise ValueError("n must not be negative")
    current, remaining = day, n
    while remaining:
        # Wide enough for weekends and the longest holiday blocks: usually one query in all.
        window_end = current + _DAY * (remaining * 2 + 14)
        exceptions = _exceptions(current + _DAY, window_end, region)
        while remaining and current < window_end:
            current += _DAY
            if _is_working(current, exceptions):
                remaining -= 1
    return current


def _weekdays_between(start: dt.date, end: dt.date) -> int:
    """Monday–Friday dates after `start` up to and including `end` (`start` <= `end`)."""
    days = (end - start).days
    full_weeks, extra = divmod(days, 7)
    count = full_weeks * 5
    for offset in range(1, extra + 1):
        if (start + _DAY * offset).weekday() < 5:
            count += 1
    return count


def working_days_between(
    start: dt.date, end: dt.date, *, region: Region | str | None = None
) -> int:
    """Working days after `start` up to and including `end`: the number `end` has in a count
    of working days from an event on `start` (SPEC §1), so that
    `working_days_between(d, add_working_days(d, n)) == n`.

    0 when `end` is `start`; negative (the same count, reversed) when `end` is before `start`.
    """
    _check_date(start)
    _check_date(end)
    if end < start:
        return -working_days_between(end, start, region=region)
    if end == start:
        return 0
    count = _weekdays_between(start, end)
    for day, kind in _exceptions(start + _DAY, end, region).items():
        weekday = day.weekday() < 5
        if weekday and kind == CalendarDay.Kind.HOLIDAY:
            count -= 1
        elif not weekday and kind == CalendarDay.Kind.WORKDAY:
            count += 1
    return count
