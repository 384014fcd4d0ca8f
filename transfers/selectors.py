"""Reads for the transfer pages, the API and the admin."""

import datetime as dt
from collections import defaultdict

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Contribution, InsuredPerson, User
from accounts.permissions import staff_regions
from accounts.sql import aware, day, select
from accounts.working_days import add_working_days

from .models import TransferApplication, TransferEvent, TransferStatus

DUE_SOON_WORKING_DAYS = 2


class Urgency:
    OVERDUE = 0
    DUE_SOON = 1
    ON_TIME = 2
    DONE = 3


def months_paid_by_year(*, person_id: int, region_id: str) -> dict[int, int]:
    """Months with a payment arrived (实际缴费) in one region, by year, oldest first."""
    rows = (
        Contribution.objects.filter(person_id=person_id, region_id=region_id, paid_at__isnull=False)
        .annotate(year=Substr("period", 1, 4))
        .values("year")
        .annotate(months=Count("pk"))
        .order_by("year")
    )
    return {int(row["year"]): row["months"] for row in rows}


def months_paid_by_region(*, person: InsuredPerson) -> list[dict]:
    """累计缴费月数: months paid in every region the person paid in, one query.

    [{"region": code, "region_name": ..., "months": n, "by_year": {year: n}}], then the total
    is `sum(r["months"])`. Contribution history stays where it was paid.
    """
    rows = (
        Contribution.objects.filter(person=person, paid_at__isnull=False)
        .annotate(year=Substr("period", 1, 4))
        .values("region_id", "region__name", "year")
        .annotate(months=Count("pk"))
        .order_by("region_id", "year")
    )
    regions: dict[str, dict] = {}
    by_year: dict[str, dict[int, int]] = defaultdict(dict)
    for row in rows:
        entry = regions.setdefault(
            row["region_id"],
            {"region": row["region_id"], "region_name": row["region__name"], "months": 0},
        )
        entry["months"] += row["months"]
        by_year[row["region_id"]][int(row["year"])] = row["months"]
    return [{**entry, "by_year": by_year[code]} for code, entry in regions.items()]


def _with_timeline(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("from_region", "to_region").prefetch_related(
        Prefetch("events", queryset=TransferEvent.objects.order_by("at", "pk"))
    )


def applications_for_person(*, person: InsuredPerson) -> list[TransferApplication]:
    """The person's applications, newest first, each with its timeline."""
    return list(_with_timeline(TransferApplication.objects.filter(person=person)))


def application_for_person(*, person: InsuredPerson, application_id: int):
    """One of the person's own applications with its timeline, or None (others' too)."""
    return (
        _with_timeline(TransferApplication.objects.filter(person=person))
        .filter(pk=application_id)
        .first()
    )


def applications_for_staff(*, user: User) -> QuerySet[TransferApplication]:
    """What staff see: 转出地 staff every application filed with them, 转入地 staff those that
    reached them (转出 approved); other regions nothing; superusers all."""
    queryset = TransferApplication.objects.all()
    if user.is_superuser:
        return queryset
    regions = staff_regions(user=user)
    return queryset.filter(
        Q(from_region__in=regions) | Q(to_region__in=regions, out_approved_at__isnull=False)
    )


def waiting_for_staff(queryset: QuerySet, *, user: User) -> QuerySet:
    """The open applications whose next step is the user's: 转出 in their regions, 转入 into
    them; every open one for a superuser."""
    queryset = queryset.filter(status__in=(TransferStatus.SUBMITTED, TransferStatus.OUT_APPROVED))
    if user.is_superuser:
        return queryset
    regions = staff_regions(user=user)
    return queryset.filter(
        Q(status=TransferStatus.SUBMITTED, from_region__in=regions)
        | Q(status=TransferStatus.OUT_APPROVED, to_region__in=regions)
    )


def with_urgency(queryset: QuerySet, *, today: dt.date | None = None) -> QuerySet:
    """`current_due` (the due date of the step waiting) and `urgency`: overdue, due within 2
    working days, on time, finished — the order staff work in."""
    today = today or timezone.localdate()
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    open_now = Q(status__in=(TransferStatus.SUBMITTED, TransferStatus.OUT_APPROVED))
    return queryset.annotate(
        current_due=Case(
            When(status=TransferStatus.SUBMITTED, then=F("out_due")),
            When(status=TransferStatus.OUT_APPROVED, then=F("complete_due")),
            default=None,
        ),
    ).annotate(
        urgency=Case(
            When(open_now & Q(current_due__lt=today), then=Value(Urgency.OVERDUE)),
            When(open_now & Q(current_due__lte=soon), then=Value(Urgency.DUE_SOON)),
            When(open_now, then=Value(Urgency.ON_TIME)),
            default=Value(Urgency.DONE),
            output_field=IntegerField(),
        )
    )


def latest_application_for_person(*, person_id: int) -> dict | None:
    """The person's newest application (the open one, as there is at most one) for the home
    page: id, status, from_region and to_region (names), out_due, complete_due, finished_at,
    reject_reason. One query."""
    rows = select(
        """SELECT a.id, a.status, f.name, t.name, a.out_due, a.complete_due, a.finished_at,
                  a.reject_reason
           FROM transfers_transferapplication a
           JOIN accounts_region f ON f.code = a.from_region_id
           JOIN accounts_region t ON t.code = a.to_region_id
           WHERE a.person_id = %s
           ORDER BY a.submitted_at DESC, a.id DESC
           LIMIT 1""",
        [person_id],
    )
    if not rows:
        return None
    pk, status, from_region, to_region, out_due, complete_due, finished_at, reason = rows[0]
    return {
        "id": pk,
        "status": status,
        "from_region": from_region,
        "to_region": to_region,
        "out_due": day(out_due),
        "complete_due": day(complete_due),
        "finished_at": aware(finished_at),
        "reject_reason": reason,
    }


def application_wait_reason(application: TransferApplication) -> str:
    """Which side the application waits for and by when ("" once finished). Reads the
    `urgency` of `with_urgency` and the two regions (selected with it)."""
    if application.status == TransferStatus.SUBMITTED:
        reason = _("等待转出地（%(region)s）经办人员审核，办理期限 %(due)s。") % {
            "region": application.from_region.name,
            "due": date_format(application.out_due),
        }
    elif application.status == TransferStatus.OUT_APPROVED:
        reason = _("转出地已开具参保凭证，等待转入地（%(region)s）接收，办理期限 %(due)s。") % {
            "region": application.to_region.name,
            "due": date_format(application.complete_due),
        }
    else:
        return ""
    if application.urgency == Urgency.OVERDUE:
        return reason + _("已逾期。")
    if application.urgency == Urgency.DUE_SOON:
        return reason + _("即将到期。")
    return reason


def statement_details(*, references: set[str]) -> dict[str, dict]:
    """What a statement says a 转移接续 posting was for: the application and its way (one
    query, only when a page shows such postings)."""
    numbers = (r.removeprefix("transfer:") for r in references if r.startswith("transfer:"))
    ids = [int(number) for number in numbers if number.isdigit()]
    if not ids:
        return {}
    return {
        f"transfer:{application.pk}": {
            "purpose": _("转移接续申请 %(number)s：%(from)s → %(to)s")
            % {
                "number": application.pk,
                "from": application.from_region.name,
                "to": application.to_region.name,
            }
        }
        for application in TransferApplication.objects.filter(pk__in=ids).select_related(
            "from_region", "to_region"
        )
    }
