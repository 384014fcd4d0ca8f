"""Guardian reviews waiting for staff, on the workbench."""

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.workbench import WaitingWork, waiting_in_regions

from .models import GuardianReview


def guardian_reviews_to_decide(*, user: User) -> WaitingWork | None:
    waiting = GuardianReview.Status.WAITING
    return waiting_in_regions(
        user=user,
        waiting=GuardianReview.objects.filter(status=waiting),
        title=_("未成年人监护关系待审核"),
        date_field="created_at",
        oldest_label=_("最早提交于"),
        filters={"status__exact": waiting},
    )
