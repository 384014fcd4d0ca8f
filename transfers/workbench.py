"""Transfer applications waiting for this staff member's side, on the workbench."""

from django.db.models import Count, Min, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.workbench import WaitingWork, changelist_url, may_view

from .admin_filters import WaitingForMeFilter
from .models import TransferApplication
from .selectors import Urgency, waiting_for_staff, with_urgency


def transfers_to_handle(*, user: User) -> WaitingWork | None:
    """转出 steps of the user's regions and 转入 steps reaching them, nearest due first."""
    if not may_view(user, TransferApplication):
        return None
    queryset = waiting_for_staff(TransferApplication.objects.all(), user=user)
    row = with_urgency(queryset).aggregate(
        count=Count("pk"),
        nearest=Min("current_due"),
        urgent=Count("pk", filter=Q(urgency__in=(Urgency.OVERDUE, Urgency.DUE_SOON))),
    )
    return WaitingWork(
        title=_("转移接续待审核"),
        count=row["count"],
        # The list puts overdue and due-soon applications first.
        url=changelist_url(TransferApplication, waiting=WaitingForMeFilter.MINE),
        oldest=row["nearest"],
        oldest_label=_("最近到期"),
        urgent=row["urgent"],
        urgent_label=_("已逾期或即将到期"),
    )
