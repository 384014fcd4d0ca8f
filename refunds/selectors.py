"""Reads of refunds for the employer and person portals, the API and the admin. An employer
reads only its own batches, a person only the resident refunds they applied for: another's is
not found (404)."""

import csv
import datetime as dt
import io

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import NotFound
from accounts.identity import mask_national_id
from accounts.models import Employer, InsuredPerson, LedgerAccount, Posting, User, fen_to_yuan
from accounts.permissions import staff_regions
from accounts.selectors import postings_for_accounts
from accounts.sql import select
from accounts.working_days import add_working_days

from .models import (
    Clearance,
    RefundBatch,
    RefundItem,
    ResidentPremium,
    ResidentRefund,
    ResidentRefundDocument,
    ResidentRefundEvent,
)

AMOUNT_FIELDS = (
    "employer_paid_fen",
    "employer_due_fen",
    "employer_refund_fen",
    "individual_paid_fen",
    "individual_due_fen",
    "individual_refund_fen",
)


def batches_for_employer(*, employer: Employer) -> QuerySet[RefundBatch]:
    return RefundBatch.objects.filter(employer=employer).order_by("-received_at", "-pk")


def batch_for_employer(*, employer: Employer, batch_id: int) -> RefundBatch:
    """Refusal: NotFound when there is no such batch of this employer."""
    batch = batches_for_employer(employer=employer).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("没有这个退费批次。"))
    return batch


def items_of(*, batch: RefundBatch) -> QuerySet[RefundItem]:
    """The batch's items by employee and month, each with its person."""
    return (
        RefundItem.objects.filter(batch=batch)
        .select_related("person")
        .order_by("person__national_id", "period")
    )


def employee_totals(*, batch: RefundBatch) -> QuerySet:
    """One row per employee: months, excluded months and the sums of both shares."""
    return (
        RefundItem.objects.filter(batch=batch)
        .values("person_id", "person__national_id", "person__name")
        .annotate(
            months=Count("pk"),
            excluded=Count("pk", filter=~Q(exclusion="")),
            **{name: Sum(name) for name in AMOUNT_FIELDS},
        )
        .order_by("person__national_id")
    )


def months_of(*, batch: RefundBatch, person_ids: list[int]) -> QuerySet:
    """The items of these employees, month by month, as plain values."""
    return (
        RefundItem.objects.filter(batch=batch, person_id__in=person_ids)
        .order_by("period")
        .values(
            "person_id", "period", "paid_base_fen", "applied_base_fen", "exclusion", *AMOUNT_FIELDS
        )
    )


def batch_exclusions(*, batch: RefundBatch) -> list[dict]:
    """How many items each exclusion reason took out of the refund."""
    rows = (
        RefundItem.objects.filter(batch=batch)
        .exclude(exclusion="")
        .values("exclusion")
        .annotate(count=Count("pk"), persons=Count("person", distinct=True))
        .order_by("exclusion")
    )
    labels = dict(RefundItem.Exclusion.choices)
    return [{**row, "label": labels.get(row["exclusion"], row["exclusion"])} for row in rows]


def pending_account(*, employer: Employer) -> LedgerAccount | None:
    """The employer's pending-transfer account (待转账户), None before any money reached it."""
    return LedgerAccount.objects.filter(
        kind=LedgerAccount.Kind.EMPLOYER_PENDING, employer=employer
    ).first()


def pending_postings(*, account: LedgerAccount | None) -> QuerySet[Posting]:
    if account is None:
        return Posting.objects.none()
    return postings_for_accounts(account_ids={account.pk})


def clearances_for_employer(*, employer: Employer) -> QuerySet[Clearance]:
    return Clearance.objects.filter(employer=employer).order_by("-requested_at", "-pk")


def yuan(fen: int | None) -> str:
    return str(fen_to_yuan(fen or 0))


CSV_HEADER = (
    gettext_lazy("公民身份号码"),
    gettext_lazy("姓名"),
    gettext_lazy("期号"),
    gettext_lazy("原缴费基数"),
    gettext_lazy("核定后基数"),
    gettext_lazy("计算基数"),
    gettext_lazy("单位已缴"),
    gettext_lazy("单位应缴"),
    gettext_lazy("单位退费"),
    gettext_lazy("个人已缴"),
    gettext_lazy("个人应缴"),
    gettext_lazy("个人退费"),
    gettext_lazy("退费合计"),
    gettext_lazy("不予退费原因"),
)


def items_csv(*, batch: RefundBatch) -> bytes:
    """Every item as CSV that Excel opens: UTF-8 with a BOM, amounts in yuan, IDs masked."""
    labels = dict(RefundItem.Exclusion.choices)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(title) for title in CSV_HEADER])
    rows = (
        RefundItem.objects.filter(batch=batch)
        .order_by("person__national_id", "period")
        .values_list(
            "person__national_id",
            "person__name",
            "period",
            "paid_base_fen",
            "corrected_base_fen",
            "applied_base_fen",
            *AMOUNT_FIELDS,
            "exclusion",
        )
    )
    for national_id, name, period, *amounts, exclusion in rows.iterator(chunk_size=5000):
        refund = amounts[-4] + amounts[-1]  # employer_refund_fen + individual_refund_fen
        writer.writerow(
            [
                mask_national_id(national_id),
                name,
                period,
                *(yuan(fen) for fen in amounts),
                yuan(refund),
                labels.get(exclusion, ""),
            ]
        )
    return out.getvalue().encode("utf-8")


# Resident refunds (城乡居民医保退费): a person reads the applications they filed and those filed
# for their own premiums; only the applicant acts on them.

DUE_SOON_WORKING_DAYS = 3


class Urgency:
    OVERDUE = 0
    DUE_SOON = 1
    ON_TIME = 2
    WAITING_MATERIALS = 3
    DONE = 4


def _resident_with_timeline(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("premium__region", "premium__person").prefetch_related(
        Prefetch("events", queryset=ResidentRefundEvent.objects.order_by("at", "pk")),
        Prefetch(
            "documents", queryset=ResidentRefundDocument.objects.order_by("uploaded_at", "pk")
        ),
    )


def resident_refunds_for_person(*, person: InsuredPerson) -> QuerySet[ResidentRefund]:
    """The applications the person filed (own, as agent or as heir) and those an agent filed
    for the person's own premiums, newest first."""
    return _resident_with_timeline(
        ResidentRefund.objects.filter(Q(applicant=person) | Q(premium__person=person))
    )


def resident_refund_for_person(*, person: InsuredPerson, refund_id: int) -> ResidentRefund:
    """One application the person filed, with its timeline; anyone else's is not found."""
    refund = resident_refunds_for_person(person=person).filter(pk=refund_id).first()
    if refund is None:
        raise NotFound(_("没有这个退费申请。"))
    return refund


def resident_refunds_waiting_for_materials(*, person_id: int) -> list[tuple[int, int, str, str]]:
    """The person's applications for which staff asked for materials, oldest request first,
    for the home page: (id, premium's year, its region's name, what staff asked). One query."""
    return select(
        """SELECT r.id, p.year, g.name, r.materials_note
           FROM refunds_residentrefund r
           JOIN refunds_residentpremium p ON p.id = r.premium_id
           JOIN accounts_region g ON g.code = p.region_id
           WHERE r.applicant_id = %s AND r.status = %s
           ORDER BY r.submitted_at, r.id""",
        [person_id, ResidentRefund.Status.MATERIALS_REQUESTED.value],
    )


def resident_premiums_for_person(*, person: InsuredPerson) -> QuerySet[ResidentPremium]:
    return ResidentPremium.objects.filter(person=person).select_related("region")


def resident_refunds_for_staff(
    *, user: User, today: dt.date | None = None
) -> QuerySet[ResidentRefund]:
    """What staff review: applications for premiums of their regions (superusers all), with
    `urgency` (overdue, due within 3 working days, on time, waiting for materials, decided):
    the order they work in."""
    queryset = ResidentRefund.objects.all()
    if not user.is_superuser:
        queryset = queryset.filter(premium__region__in=staff_regions(user=user))
    today = today or timezone.localdate()
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    waiting = Q(status=ResidentRefund.Status.WAITING)
    return queryset.annotate(
        urgency=Case(
            When(waiting & Q(due_date__lt=today), then=Value(Urgency.OVERDUE)),
            When(waiting & Q(due_date__lte=soon), then=Value(Urgency.DUE_SOON)),
            When(waiting, then=Value(Urgency.ON_TIME)),
            When(
                status=ResidentRefund.Status.MATERIALS_REQUESTED,
                then=Value(Urgency.WAITING_MATERIALS),
            ),
            default=Value(Urgency.DONE),
            output_field=IntegerField(),
        )
    )


HOME_BATCHES = 3


def employer_refund_summary(*, employer: Employer) -> dict:
    """For the employer's home page: the latest batches, batches and clearances waiting for
    staff, and the pending-transfer balance (待转账户), in three queries."""
    batches = list(batches_for_employer(employer=employer)[:HOME_BATCHES])
    counts = RefundBatch.objects.filter(employer=employer).aggregate(
        batches=Count("pk"),
        batches_waiting=Count("pk", filter=Q(status=RefundBatch.Status.RECEIVED)),
    )
    pending = (
        LedgerAccount.objects.filter(kind=LedgerAccount.Kind.EMPLOYER_PENDING, employer=employer)
        .annotate(
            clearances_waiting=Count(
                "employer__clearances",
                filter=Q(employer__clearances__status=Clearance.Status.PENDING),
            )
        )
        .first()
    )
    return {
        "batches": batches,
        "batch_count": counts["batches"],
        "batches_waiting": counts["batches_waiting"],
        "pending_fen": pending.balance_fen if pending else 0,
        "clearances_waiting": pending.clearances_waiting if pending else 0,
    }


def batch_wait_reason(batch: RefundBatch) -> str:
    """What a received batch waits for ("" once decided); reads the batch's own counts."""
    if batch.status != RefundBatch.Status.RECEIVED:
        return ""
    return _(
        "等待本统筹区经办人员审核：%(items)d 条明细（剔除 %(excluded)d 条），"
        "退费合计 %(amount)s 元，通过后转入单位待转账户。"
    ) % {
        "items": batch.item_count,
        "excluded": batch.excluded_count,
        "amount": yuan(batch.refund_fen),
    }


def clearance_wait_reason(clearance: Clearance) -> str:
    """What a clearance request waits for ("" once decided)."""
    if clearance.status != Clearance.Status.PENDING:
        return ""
    return _("等待经办人员审核：通过后 %(amount)s 元从单位待转账户转至 %(bank)s。") % {
        "amount": yuan(clearance.amount_fen),
        "bank": clearance.bank_name,
    }
