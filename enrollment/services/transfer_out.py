"""A cross-region transfer (转移接续) completed: the old enrollment is marked transferred out."""

from enrollment.models import Enrollment, EnrollmentStatus

TRANSFERRED_OUT = "已转出：%(region)s（转移接续 #%(application)s）"


def enrollment_mark_transferred_out(
    *, enrollment: Enrollment, to_region_name: str, application_id: int
) -> Enrollment:
    """The stopped record keeps STOPPED and says where it went (stop_reason, once enrollments
    have one, should say it too)."""
    enrollment.status = EnrollmentStatus.STOPPED
    enrollment.status_reason = TRANSFERRED_OUT % {
        "region": to_region_name,
        "application": application_id,
    }
    enrollment.save(update_fields=["status", "status_reason", "updated_at"])
    return enrollment
