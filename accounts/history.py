"""Questions about a person's past that the core's own records answer (the enrollment app
answers insured / employed / retired: enrollment/history.py)."""

import datetime as dt

from .models import InsuredPerson


def is_alive(*, person: InsuredPerson, on: dt.date) -> bool:
    """Alive on that day: no death reported, or it is the day of death or earlier."""
    return person.died_at is None or on <= person.died_at


def was_alive(*, person: InsuredPerson, period: str) -> bool:
    """Alive on the first day of a YYYYMM period (a death during the period still counts it)."""
    return is_alive(person=person, on=dt.date(int(period[:4]), int(period[4:]), 1))
