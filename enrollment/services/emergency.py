"""急需就医: a suspended person who needs care now is restored at once by staff.

The staff member gives a reason and uploads evidence (checked, stored privately); the record
is ACTIVE again at once and stays out of automatic resolution until the case is settled.
Every restore is a row of its own and an audit entry on the record.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import User
from accounts.permissions import require_staff_region
from accounts.services.audit import audit_event_record, audit_snapshot
from accounts.uploads import CheckedUpload, evidence_check, private_storage

from ..models import EmergencyRestore, Enrollment, EnrollmentStatus
from .status_history import status_changes_record

RESTORED_REASON = "急需就医：经办机构已紧急恢复，待核实"
_AUDITED = ("status", "status_reason", "resolution_exempt")


def emergency_restore_check(*, enrollment: Enrollment, reason: str, by: User, evidence):
    """Every refusal a staff member may see, before anything is stored."""
    require_staff_region(
        user=by,
        region_id=enrollment.region_id,
        message=_("只有本统筹区的经办人员可以紧急恢复此参保登记。"),
    )
    if enrollment.status != EnrollmentStatus.SUSPENDED:
        raise BusinessRuleViolation(
            _("只有“暂停”的参保登记可以紧急恢复，此登记为“%(status)s”。")
            % {"status": enrollment.get_status_display()}
        )
    if not (reason or "").strip():
        raise BusinessRuleViolation(_("请填写恢复原因。"), field="reason", status_code=400)
    try:
        return evidence_check(evidence)
    except ValidationError as exc:
        raise BusinessRuleViolation(exc.messages[0], field="evidence", status_code=400) from None


def enrollment_emergency_restore(
    *, enrollment: Enrollment, reason: str, evidence, by: User
) -> EmergencyRestore:
    """Restore a suspended enrollment now; the evidence file is written before the transaction
    and removed again if the restore does not happen."""
    checked: CheckedUpload = emergency_restore_check(
        enrollment=enrollment, reason=reason, by=by, evidence=evidence
    )
    field = EmergencyRestore._meta.get_field("evidence")
    stored = private_storage.save(
        field.generate_filename(None, checked.stored_name()), checked.file
    )
    try:
        return _restore(
            enrollment=enrollment, reason=reason.strip(), by=by, checked=checked, stored=stored
        )
    except BaseException:
        private_storage.delete(stored)
        raise


@transaction.atomic
def _restore(*, enrollment, reason, by, checked, stored) -> EmergencyRestore:
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status != EnrollmentStatus.SUSPENDED:  # changed while the file was written
        raise BusinessRuleViolation(_("该参保登记已不是“暂停”状态。"))
    before = audit_snapshot(enrollment, _AUDITED)
    restore = EmergencyRestore.objects.create(
        enrollment=enrollment,
        region_id=enrollment.region_id,
        reason=reason,
        evidence=stored,
        evidence_name=checked.original_name,
        evidence_type=checked.content_type,
        evidence_size=checked.size,
        status_before=enrollment.status,
        status_reason_before=enrollment.status_reason,
        restored_by=by,
    )
    enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.status_reason = RESTORED_REASON
    enrollment.resolution_exempt = True
    enrollment.save(update_fields=["status", "status_reason", "resolution_exempt", "updated_at"])
    audit_event_record(
        actor=by,
        action="enrollment.emergency_restore",
        obj=enrollment,
        before=before,
        after=audit_snapshot(enrollment, _AUDITED),
        reason=reason,
    )
    status_changes_record(
        changes=[(enrollment, EnrollmentStatus.SUSPENDED)], source=f"emergency:{by.username}"
    )
    return restore
