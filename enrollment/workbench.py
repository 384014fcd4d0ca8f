"""Name checks, account merges waiting and suspended records, on the workbench."""

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.workbench import WaitingWork, waiting_in_regions

from .models import DuplicateCase, Enrollment, EnrollmentStatus


def name_checks_open(*, user: User) -> WaitingWork | None:
    """Name cases (same ID number, another name) waiting for the right name."""
    filters = {
        "rule__exact": DuplicateCase.Rule.NAME_MISMATCH,
        "status__exact": DuplicateCase.Status.OPEN,
    }
    return waiting_in_regions(
        user=user,
        waiting=DuplicateCase.objects.filter(**filters),
        title=_("姓名待核实"),
        date_field="created_at",
        oldest_label=_("最早立案于"),
        filters=filters,
    )


def account_merges_waiting(*, user: User) -> WaitingWork | None:
    """Duplicate cases decided whose personal accounts are still to be merged."""
    filters = {"accounts_status__exact": DuplicateCase.AccountsStatus.PENDING}
    return waiting_in_regions(
        user=user,
        waiting=DuplicateCase.objects.filter(**filters),
        title=_("重复参保：账户待合并"),
        date_field="created_at",
        oldest_label=_("最早立案于"),
        filters=filters,
    )


def suspended_records(*, user: User) -> WaitingWork | None:
    """Suspended records: a person in urgent need of care is restored from here (急需就医)."""
    filters = {"status__exact": EnrollmentStatus.SUSPENDED}
    return waiting_in_regions(
        user=user,
        waiting=Enrollment.objects.filter(**filters),
        title=_("暂停的参保登记（急需就医可紧急恢复）"),
        date_field="updated_at",
        oldest_label=_("最早暂停于"),
        filters=filters,
    )
