"""Decisions staff take on duplicate cases: revert one (name cases are settled in
`name_checks`). Each is checked first (who may, in what state) and audited through the core's
audit path: who, when, and before and after of every record it changed.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import User
from accounts.permissions import require_staff_region
from accounts.services import personal_accounts
from accounts.services.audit import AuditTrail, audit_snapshot
from accounts.services.personal_accounts import AccountMergeDetail

from ..models import CaseEnrollment, DuplicateCase, Enrollment, EnrollmentStatus
from .status_history import status_changes_record

Status = DuplicateCase.Status
_DONE_STATE = {
    CaseEnrollment.Action.SUSPENDED: EnrollmentStatus.SUSPENDED,
    CaseEnrollment.Action.MERGED: EnrollmentStatus.MERGED,
}
# What a decision on a case may change, as the audit rows show it.
_RECORD_FIELDS = ("status", "status_reason", "merged_into_id", "resolution_exempt", "reported_name")
_CASE_FIELDS = ("status", "accounts_status", "confirmed_name")


def case_check_staff(*, user: User, case: DuplicateCase) -> None:
    """Only staff of the case's region (or a superuser) act on it."""
    require_staff_region(
        user=user, region_id=case.region_id, message=_("只有本统筹区的经办人员可以办理此案件。")
    )


def case_check_revert(*, user: User, case: DuplicateCase) -> None:
    case_check_staff(user=user, case=case)
    if case.rule == DuplicateCase.Rule.NAME_MISMATCH:
        raise BusinessRuleViolation(
            _("姓名不一致的案件通过“确认姓名”办理，不能撤销。"), status_code=409
        )
    if case.status != Status.DECIDED:
        raise BusinessRuleViolation(
            _("只有“已处理”的案件可以撤销，此案件为“%(status)s”。")
            % {"status": case.get_status_display()}
        )


@transaction.atomic
def duplicate_case_revert(*, case: DuplicateCase, by: User) -> DuplicateCase:
    """Put back exactly what the decision changed: statuses, reasons, merged accounts.

    Records are then left out of automatic resolution (staff decided). A record someone else
    changed since (e.g. the source stopped it) makes the revert refuse, saying which.
    """
    case = DuplicateCase.objects.select_for_update().get(pk=case.pk)
    case_check_revert(user=by, case=case)
    changes = list(case.changes.all())
    ids = [change.enrollment_id for change in changes] + [case.kept_id]
    records = {
        e.pk: e
        for e in Enrollment.objects.select_for_update()
        .filter(pk__in=[i for i in ids if i])
        .order_by("pk")
    }
    to_restore = []
    for change in changes:
        record = records[change.enrollment_id]
        if record.status == _DONE_STATE[change.action]:
            to_restore.append((record, change))
        elif record.status != change.status_before:
            raise BusinessRuleViolation(
                _("登记 %(record)s 处理后已变为“%(status)s”，不能按原样撤销。")
                % {"record": record, "status": record.get_status_display()}
            )
    audit = AuditTrail(actor=by, action="duplicate_case.revert", reason=f"duplicate_case:{case.pk}")
    case_before = audit_snapshot(case, _CASE_FIELDS)
    records_before = {pk: audit_snapshot(record, _RECORD_FIELDS) for pk, record in records.items()}
    if case.accounts_status == DuplicateCase.AccountsStatus.DONE:
        personal_accounts.personal_account_unmerge(
            merges=[AccountMergeDetail.from_record(d) for d in case.account_merges],
            key=str(case.pk),
            reference=f"duplicate_case:{case.pk}",
        )
    elif case.accounts_status == DuplicateCase.AccountsStatus.PENDING:
        case.accounts_status = DuplicateCase.AccountsStatus.NONE
    restored = [(record, record.status) for record, _change in to_restore]
    for record, change in to_restore:
        record.status, record.status_reason = change.status_before, change.status_reason_before
        record.merged_into = None
    for record in records.values():
        record.resolution_exempt = True
        record.save(
            update_fields=[
                "status",
                "status_reason",
                "merged_into",
                "resolution_exempt",
                "updated_at",
            ]
        )
        audit.changed(record, records_before[record.pk])
    status_changes_record(changes=restored, source=f"case-revert:{by.username}")
    case.status, case.reverted_by, case.reverted_at = Status.REVERTED, by, timezone.now()
    case.save(update_fields=["status", "reverted_by", "reverted_at", "accounts_status"])
    audit.changed(case, case_before)
    audit.record()
    return case
