"""Name checks, account merges waiting and suspended records, on the workbench."""

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.workbench import (
    WaitingWork,
    changelist_url,
    count_and_oldest,
    in_staff_regions,
    may_view,
)

from .models import DuplicateCase, Enrollment, EnrollmentStatus


def name_checks_open(*, user: User) -> WaitingWork | None:
    """Name cases (same ID number, another name) waiting for the right name."""
    if not may_view(user, DuplicateCase):
        return None
    waiting = in_staff_regions(
        DuplicateCase.objects.filter(
            rule=DuplicateCase.Rule.NAME_MISMATCH, status=DuplicateCase.Status.OPEN
        ),
        user=user,
    )
    count, oldest = count_and_oldest(waiting, date_field="created_at")
    return WaitingWork(
        title=_("姓名待核实"),
        count=count,
        url=changelist_url(
            DuplicateCase,
            rule__exact=DuplicateCase.Rule.NAME_MISMATCH,
            status__exact=DuplicateCase.Status.OPEN,
        ),
        oldest=oldest,
        oldest_label=_("最早立案于"),
    )


def account_merges_waiting(*, user: User) -> WaitingWork | None:
    """Duplicate cases decided whose personal accounts are still to be merged."""
    if not may_view(user, DuplicateCase):
        return None
    waiting = in_staff_regions(
        DuplicateCase.objects.filter(accounts_status=DuplicateCase.AccountsStatus.PENDING),
        user=user,
    )
    count, oldest = count_and_oldest(waiting, date_field="created_at")
    return WaitingWork(
        title=_("重复参保：账户待合并"),
        count=count,
        url=changelist_url(
            DuplicateCase, accounts_status__exact=DuplicateCase.AccountsStatus.PENDING
        ),
        oldest=oldest,
        oldest_label=_("最早立案于"),
    )


def suspended_records(*, user: User) -> WaitingWork | None:
    """Suspended records: a person in urgent need of care is restored from here (急需就医)."""
    if not may_view(user, Enrollment):
        return None
    waiting = in_staff_regions(
        Enrollment.objects.filter(status=EnrollmentStatus.SUSPENDED), user=user
    )
    count, oldest = count_and_oldest(waiting, date_field="updated_at")
    return WaitingWork(
        title=_("暂停的参保登记（急需就医可紧急恢复）"),
        count=count,
        url=changelist_url(Enrollment, status__exact=EnrollmentStatus.SUSPENDED),
        oldest=oldest,
        oldest_label=_("最早暂停于"),
    )
