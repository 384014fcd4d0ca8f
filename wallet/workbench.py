"""Guardian reviews waiting for staff, on the workbench."""

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.workbench import (
    WaitingWork,
    changelist_url,
    count_and_oldest,
    in_staff_regions,
    may_view,
)

from .models import GuardianReview


def guardian_reviews_to_decide(*, user: User) -> WaitingWork | None:
    if not may_view(user, GuardianReview):
        return None
    waiting = in_staff_regions(
        GuardianReview.objects.filter(status=GuardianReview.Status.WAITING), user=user
    )
    count, oldest = count_and_oldest(waiting, date_field="created_at")
    return WaitingWork(
        title=_("未成年人监护关系待审核"),
        count=count,
        url=changelist_url(GuardianReview, status__exact=GuardianReview.Status.WAITING),
        oldest=oldest,
        oldest_label=_("最早提交于"),
    )
