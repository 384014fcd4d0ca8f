"""Refund batches and clearances waiting for review, on the workbench."""

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.workbench import WaitingWork, waiting_in_regions

from .models import Clearance, RefundBatch, ResidentRefund


def refund_batches_to_review(*, user: User) -> WaitingWork | None:
    received = RefundBatch.Status.RECEIVED
    return waiting_in_regions(
        user=user,
        waiting=RefundBatch.objects.filter(status=received),
        title=_("差额退费批次待审核"),
        date_field="received_at",
        oldest_label=_("最早接收于"),
        filters={"status__exact": received},
    )


def clearances_to_review(*, user: User) -> WaitingWork | None:
    pending = Clearance.Status.PENDING
    return waiting_in_regions(
        user=user,
        waiting=Clearance.objects.filter(status=pending),
        title=_("单位待转款清退待审核"),
        date_field="requested_at",
        oldest_label=_("最早申请于"),
        filters={"status__exact": pending},
        region_paths=("employer__region",),
    )


def resident_refunds_to_review(*, user: User) -> WaitingWork | None:
    """Applications with complete materials, by the nearest due date (20 working days)."""
    waiting = ResidentRefund.Status.WAITING
    return waiting_in_regions(
        user=user,
        waiting=ResidentRefund.objects.filter(status=waiting),
        title=_("居民退费申请待审核"),
        date_field="due_date",
        oldest_label=_("最近办理期限"),
        filters={"status__exact": waiting},
        region_paths=("premium__region",),
    )
