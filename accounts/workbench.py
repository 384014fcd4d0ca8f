"""The staff workbench (经办工作台): what waits for a staff member's regions.

The core knows no app: each app registers, in its AppConfig.ready(), a source with
`workbench_source_register`. A source is a function `source(*, user) -> WaitingWork | None`:
one query (a count and the oldest or nearest date, scoped to the user's regions — all of them
for a superuser), or None when the user has no permission to see that work. The admin's start
page lists what the sources return, what waits first.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, Min, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .models import AccountingPeriod, MonthlyCreditRun, User
from .permissions import scope_to_staff_regions


@dataclass(frozen=True)
class WaitingWork:
    """One line of the workbench: how many wait, since when (or due when), and where."""

    title: str
    count: int
    url: str
    # The oldest waiting item's date (or the nearest due date) and what that date is.
    oldest: dt.date | dt.datetime | str | None = None
    oldest_label: str = ""
    # Overdue or due soon, when the work has deadlines.
    urgent: int = 0
    urgent_label: str = ""


Source = Callable[..., WaitingWork | None]
_sources: dict[str, tuple[int, Source]] = {}


def workbench_source_register(*, key: str, source: Source, order: int = 100) -> None:
    """Adds (or replaces, for the same key) a source of waiting work; lower `order` first."""
    _sources[key] = (order, source)


def waiting_work(*, user: User) -> list[WaitingWork]:
    """Every source's line the user may see: what waits first, each group by `order`."""
    lines = []
    for _order, source in sorted(_sources.values(), key=lambda entry: entry[0]):
        line = source(user=user)
        if line is not None:
            lines.append(line)
    return sorted(lines, key=lambda line: line.count == 0)


def may_view(user: User, model) -> bool:
    """Whether the user may open the model's list in the admin (view or change)."""
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or user.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    )


def changelist_url(model, **filters) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def count_and_oldest(queryset: QuerySet, *, date_field: str) -> tuple[int, object]:
    """How many rows and the earliest `date_field` among them, in one query."""
    row = queryset.aggregate(count=Count("pk"), oldest=Min(date_field))
    return row["count"], row["oldest"]


def in_staff_regions(queryset: QuerySet, *, user: User, region_paths=("region",)) -> QuerySet:
    return scope_to_staff_regions(queryset=queryset, user=user, region_paths=region_paths)


def waiting_in_regions(
    *,
    user: User,
    waiting: QuerySet,
    title: str,
    date_field: str,
    oldest_label: str,
    filters: dict,
    region_paths=("region",),
) -> WaitingWork | None:
    """The usual line: the `waiting` rows of the user's regions, counted with the oldest
    `date_field`, linked to the model's list with `filters`; None without permission."""
    model = waiting.model
    if not may_view(user, model):
        return None
    count, oldest = count_and_oldest(
        in_staff_regions(waiting, user=user, region_paths=region_paths), date_field=date_field
    )
    return WaitingWork(
        title=title,
        count=count,
        url=changelist_url(model, **filters),
        oldest=oldest,
        oldest_label=oldest_label,
    )


# The core's own waiting work, registered by AccountsConfig.ready().


def periods_to_assess(*, user: User) -> WaitingWork | None:
    """Accounting periods whose month is over and that are still open (未核定)."""
    open_status = AccountingPeriod.Status.OPEN
    return waiting_in_regions(
        user=user,
        waiting=AccountingPeriod.objects.filter(
            status=open_status, period__lt=timezone.localdate().strftime("%Y%m")
        ),
        title=_("待核定的做账期"),
        date_field="period",
        oldest_label=_("最早期号"),
        filters={"status__exact": open_status},
    )


def failed_credit_runs(*, user: User) -> WaitingWork | None:
    """Monthly credit runs that failed and were not run again successfully since."""
    failed = MonthlyCreditRun.Status.FAILED
    succeeded_later = MonthlyCreditRun.objects.filter(
        region=OuterRef("region"),
        status=MonthlyCreditRun.Status.SUCCEEDED,
        started_at__gt=OuterRef("started_at"),
    )
    return waiting_in_regions(
        user=user,
        waiting=MonthlyCreditRun.objects.filter(status=failed).exclude(Exists(succeeded_later)),
        title=_("失败的每月划入任务"),
        date_field="started_at",
        oldest_label=_("最早失败于"),
        filters={"status__exact": failed},
    )
