"""What waits for a person or an employer, for their home page (待办事项).

The core may not import the apps above it (SPEC §8), so each app that holds something to do
registers a source in its AppConfig.ready(): a function taking the owner (an InsuredPerson or
an Employer) and returning To-dos read through the app's own selectors. A source must run a
fixed number of queries however much data there is: the home page's query count stays bounded.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone

from .display import local_minute
from .models import Employer, InsuredPerson


@dataclass(frozen=True)
class Todo:
    """One thing the owner should do (or follow), with the page where it is done."""

    kind: str  # stable code, e.g. "wallet.binding": tests and page anchors use it
    title: str
    detail: str
    url: str
    action: str  # the button's words
    deadline: dt.datetime | dt.date | None = None

    @property
    def deadline_is_time(self) -> bool:
        return isinstance(self.deadline, dt.datetime)

    @property
    def deadline_iso(self) -> str:
        """The deadline for `<time datetime>`: a time where the portal is, or a day."""
        if self.deadline_is_time:
            return timezone.localtime(self.deadline).isoformat()
        return self.deadline.isoformat()

    @property
    def deadline_text(self) -> str:
        """The deadline as the page shows it: to the minute, or the day."""
        if self.deadline_is_time:
            return local_minute(self.deadline)
        return f"{self.deadline:%Y-%m-%d}"

    def _sort_key(self) -> tuple:
        if self.deadline is None:
            return (1, dt.datetime.max.replace(tzinfo=dt.UTC), self.kind)
        at = self.deadline
        if not isinstance(at, dt.datetime):
            # A due date lasts to the end of its day in the portal's time zone.
            at = timezone.make_aware(dt.datetime.combine(at, dt.time.max))
        return (0, at, self.kind)


TodoSource = Callable[[InsuredPerson | Employer], Iterable[Todo]]

_sources: dict[str, tuple[type, TodoSource]] = {}


def todo_source_register(*, uid: str, owner: type, source: TodoSource) -> None:
    """Adds an app's source of to-dos for owners of this type (InsuredPerson or Employer).
    The same uid again replaces the source: ready() may run more than once in tests."""
    if owner not in (InsuredPerson, Employer):
        raise ValueError(f"to-dos are for persons and employers, not {owner!r}")
    _sources[uid] = (owner, source)


def todos_for(*, owner: InsuredPerson | Employer) -> list[Todo]:
    """Every registered source's to-dos for the owner, the nearest deadline first; those
    without a deadline last, in a stable order."""
    todos = [
        todo
        for _uid, (owner_type, source) in sorted(_sources.items())
        if isinstance(owner, owner_type)
        for todo in source(owner)
    ]
    return sorted(todos, key=Todo._sort_key)
