"""Decisions people take on duplicate cases: staff revert one, an employer or staff confirm a
name. Each is checked first (who may, in what state) and audited through the core's audit
path: who, when, and before and after of every record it changed.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import InsuredPerson, User
from accounts.permissions import require_staff_region, staff_may_act_on_region
from accounts.services import personal_accounts
from accounts.services.audit import AuditTrail, audit_snapshot
from accounts.services.personal_accounts import AccountMergeDetail

from ..models import CaseEnrollment, DuplicateCase, Enrollment, EnrollmentStatus, Scheme
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


def case_check_confirm(*, user: User, case: DuplicateCase) -> None:
    """Employee records: their employer or staff confirm; residents: staff (the community
    reports to them)."""
    if case.rule != DuplicateCase.Rule.NAME_MISMATCH or case.status != Status.OPEN:
        raise BusinessRuleViolation(_("此案件不是待核实的姓名不一致案件。"))
    if staff_may_act_on_region(user=user, region_id=case.region_id):
        return
    employer = getattr(user, "employer", None) if user.kind == User.Kind.EMPLOYER else None
    if (
        employer is not None
        and case.changes.filter(
            enrollment__scheme=Scheme.EMPLOYEE, enrollment__employer=employer
        ).exists()
    ):
        return
    raise BusinessRuleViolation(
        _("只有参保单位（职工）或本统筹区经办人员（居民）可以核实此案件。"), status_code=403
    )


@transaction.atomic
def name_mismatch_confirm(*, case: DuplicateCase, name: str, by: User) -> DuplicateCase:
    """核实: the right name is confirmed; the person carries it and the records are restored.

    The reported name, once verified, no longer suspends anything in that region.
    """
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise BusinessRuleViolation(
            _("请填写核实后的姓名（不超过50个字符）。"), field="name", status_code=400
        )
    case = DuplicateCase.objects.select_for_update().get(pk=case.pk)
    case_check_confirm(user=by, case=case)
    person = InsuredPerson.objects.select_for_update().get(pk=case.person_id)
    changes = {change.enrollment_id: change for change in case.changes.all()}
    same_name = Q(reported_name=case.reported_name) & ~Q(reported_name="")
    records = Enrollment.objects.select_for_update().filter(
        Q(pk__in=list(changes)) | same_name, person=person, region_id=case.region_id
    )
    audit = AuditTrail(
        actor=by, action="duplicate_case.name_confirm", reason=f"duplicate_case:{case.pk}"
    )
    case_before = audit_snapshot(case, _CASE_FIELDS)
    person_before = audit_snapshot(person, ["name"])
    if person.name != name:
        person.name = name
        person.save(update_fields=["name", "updated_at"])
    audit.changed(person, person_before)
    restored = []
    for record in records.order_by("pk"):
        record_before = audit_snapshot(record, _RECORD_FIELDS)
        change = changes.get(record.pk)
        if change is not None and record.status == EnrollmentStatus.SUSPENDED:
            restored.append((record, record.status))
            record.status = change.status_before
            record.status_reason = change.status_reason_before
        record.reported_name = ""
        record.save(update_fields=["status", "status_reason", "reported_name", "updated_at"])
        audit.changed(record, record_before)
    status_changes_record(changes=restored, source=f"name-confirm:{by.username}")
    case.status, case.confirmed_name = Status.DECIDED, name
    case.decided_by, case.decided_at = by, timezone.now()
    case.save(update_fields=["status", "confirmed_name", "decided_by", "decided_at"])
    audit.changed(case, case_before)
    audit.record()
    person_id = person.pk

    def resolve_now():
        from ..tasks import resolve_duplicates

        resolve_duplicates.delay(person_ids=[person_id], triggered_by="name-confirmed")

    # Restored records may be duplicates of each other: the rules apply to them right away.
    transaction.on_commit(resolve_now)
    return case
