"""Refund batches and clearances waiting for review, on the workbench."""

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.workbench import (
    WaitingWork,
    changelist_url,
    count_and_oldest,
    in_staff_regions,
    may_view,
)

from .models import Clearance, RefundBatch


def refund_batches_to_review(*, user: User) -> WaitingWork | None:
    if not may_view(user, RefundBatch):
        return None
    waiting = in_staff_regions(
        RefundBatch.objects.filter(status=RefundBatch.Status.RECEIVED), user=user
    )
    count, oldest = count_and_oldest(waiting, date_field="received_at")
    return WaitingWork(
        title=_("差额退费批次待审核"),
        count=count,
        url=changelist_url(RefundBatch, status__exact=RefundBatch.Status.RECEIVED),
        oldest=oldest,
        oldest_label=_("最早接收于"),
    )


def clearances_to_review(*, user: User) -> WaitingWork | None:
    if not may_view(user, Clearance):
        return None
    waiting = in_staff_regions(
        Clearance.objects.filter(status=Clearance.Status.PENDING),
        user=user,
        region_paths=("employer__region",),
    )
    count, oldest = count_and_oldest(waiting, date_field="requested_at")
    return WaitingWork(
        title=_("单位待转款清退待审核"),
        count=count,
        url=changelist_url(Clearance, status__exact=Clearance.Status.PENDING),
        oldest=oldest,
        oldest_label=_("最早申请于"),
    )
