"""Name checks (姓名核实) go through staff: the employer (or the community, recorded by staff, for
residents) reports the right name of a name-mismatch case; staff of the case's region confirm
it, which renames the person and restores the suspended records, or reject it with a reason.

A report changes nothing by itself. Each step is checked first (who may, in what state) and
audited through the core's audit path.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import Employer, InsuredPerson, Notification, User
from accounts.permissions import require_staff_region, staff_may_act_on_region
from accounts.services import identity
from accounts.services.audit import AuditTrail, audit_event_record, audit_snapshot
from accounts.services.notifications import notification_send

from ..models import CaseEnrollment, DuplicateCase, Enrollment, EnrollmentStatus, NameReport
from .status_history import status_changes_record

Status = DuplicateCase.Status
_RECORD_FIELDS = ("status", "status_reason", "reported_name")
_CASE_FIELDS = ("status", "confirmed_name")
_REPORT_FIELDS = ("status", "rejection_reason")


def _case_locked(case: DuplicateCase) -> DuplicateCase:
    return (
        DuplicateCase.objects.select_for_update(of=("self",))
        .select_related("person", "region")
        .get(pk=case.pk)
    )


def _require_open_name_case(case: DuplicateCase) -> None:
    if case.rule != DuplicateCase.Rule.NAME_MISMATCH or case.status != Status.OPEN:
        raise BusinessRuleViolation(_("此案件不是待核实的姓名不一致案件。"))


def _pending_report(case: DuplicateCase) -> NameReport | None:
    return case.name_reports.filter(status=NameReport.Status.PENDING).first()


def _case_employers(case: DuplicateCase) -> set[int]:
    """Employers whose employee records the case suspended: they report for those employees."""
    return set(
        CaseEnrollment.objects.filter(case=case, enrollment__employer__isnull=False).values_list(
            "enrollment__employer_id", flat=True
        )
    )


def name_report_check(*, user: User, case: DuplicateCase) -> Employer | None:
    """Who reports the right name: the employer of the case's employee records (returned), or,
    for a case with no employer (residents), staff of its region recording the community's
    report (None). Refusals: not an open name case, a report already awaiting staff (409);
    a case with an employer for staff (409); anyone else (403)."""
    _require_open_name_case(case)
    employers = _case_employers(case)
    employer = getattr(user, "employer", None) if user.kind == User.Kind.EMPLOYER else None
    if employer is None or employer.pk not in employers:
        if not staff_may_act_on_region(user=user, region_id=case.region_id):
            raise BusinessRuleViolation(
                _("只有参保单位（职工）或本统筹区经办人员（居民）可以报送正确姓名。"),
                status_code=403,
            )
        if employers:
            raise BusinessRuleViolation(_("职工的正确姓名由参保单位报送。"))
        employer = None
    if _pending_report(case) is not None:
        raise BusinessRuleViolation(_("已报送正确姓名，正在等待经办人员确认。"))
    return employer


@transaction.atomic
def name_report_create(
    *, case: DuplicateCase, name: str, reason: str, by: User, community: str = ""
) -> NameReport:
    """The right name as the employer (or, through staff, the community) reports it: one of the
    two names on the case, or a new one with a reason. Nothing else changes until staff confirm.

    Refusals (400): no name or longer than 50 characters; a new name without a reason; staff
    not naming the community. Those of `name_report_check`.
    """
    name, reason, community = (name or "").strip(), (reason or "").strip(), community.strip()
    if not name or len(name) > 50:
        raise BusinessRuleViolation(
            _("请填写正确的姓名（不超过50个字符）。"), field="name", status_code=400
        )
    case = _case_locked(case)
    employer = name_report_check(user=by, case=case)
    if name not in (case.person.name, case.reported_name) and not reason:
        raise BusinessRuleViolation(
            _("报送的姓名与案件中的两个姓名都不同，请说明原因（如身份证件上的姓名）。"),
            field="reason",
            status_code=400,
        )
    if employer is None and not community:
        raise BusinessRuleViolation(
            _("请填写报送正确姓名的社区。"), field="community", status_code=400
        )
    report = NameReport.objects.create(
        case=case,
        name=name,
        reason=reason,
        source=NameReport.Source.EMPLOYER if employer else NameReport.Source.COMMUNITY,
        employer=employer,
        community="" if employer else community,
        reported_by=by,
    )
    audit_event_record(
        actor=by,
        action="name_report.create",
        obj=report,
        before={},
        after={"case": case.pk, "name": name, "source": report.source},
        reason=reason,
    )
    return report


def name_report_check_decide(*, user: User, case: DuplicateCase) -> NameReport:
    """Staff of the case's region (or a superuser) confirm or reject the report awaiting them.
    Refusals: anyone else (403); not an open name case, or no report awaiting (409)."""
    require_staff_region(
        user=user, region_id=case.region_id, message=_("只有本统筹区的经办人员可以办理此案件。")
    )
    _require_open_name_case(case)
    report = _pending_report(case)
    if report is None:
        raise BusinessRuleViolation(_("此案件没有待确认的姓名报送。"))
    return report


def _person_notify(*, person: InsuredPerson, body: str, reference: str) -> None:
    """The one place this module tells a person something (sent after the commit)."""
    notification_send(
        recipient=person,
        kind=Notification.Kind.ENROLLMENT,
        text=body,
        link="/",
        reference=reference,
    )


@transaction.atomic
def name_report_confirm(*, case: DuplicateCase, by: User) -> DuplicateCase:
    """Staff confirm the reported name: the person carries it (the core's audited rename), the
    records the case suspended are restored, the reported wrong name no longer suspends
    anything in that region, and the person is notified. Refusals: `name_report_check_decide`.
    """
    case = _case_locked(case)
    report = name_report_check_decide(user=by, case=case)
    person = InsuredPerson.objects.select_for_update().get(pk=case.person_id)
    if person.name != report.name:
        person = identity.person_name_correct(
            person=person,
            name=report.name,
            reason=_("姓名核实案件 #%(case)s：%(source)s报送。%(reason)s")
            % {"case": case.pk, "source": report.source_label, "reason": report.reason},
            actor=by,
        )
    changes = {change.enrollment_id: change for change in case.changes.all()}
    same_name = Q(reported_name=case.reported_name) & ~Q(reported_name="")
    records = Enrollment.objects.select_for_update().filter(
        Q(pk__in=list(changes)) | same_name, person=person, region_id=case.region_id
    )
    audit = AuditTrail(
        actor=by, action="duplicate_case.name_confirm", reason=f"duplicate_case:{case.pk}"
    )
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
    now = timezone.now()
    report_before = audit_snapshot(report, _REPORT_FIELDS)
    report.status, report.decided_by, report.decided_at = NameReport.Status.CONFIRMED, by, now
    report.save(update_fields=["status", "decided_by", "decided_at"])
    audit.changed(report, report_before)
    case_before = audit_snapshot(case, _CASE_FIELDS)
    case.status, case.confirmed_name = Status.DECIDED, report.name
    case.decided_by, case.decided_at = by, now
    case.save(update_fields=["status", "confirmed_name", "decided_by", "decided_at"])
    audit.changed(case, case_before)
    audit.record()
    _person_notify(
        person=person,
        body=_(
            "【医保服务门户】经核实，您的姓名为“%(name)s”，您在%(region)s因姓名不一致暂停的"
            "参保登记已恢复。如有疑问，请联系参保地经办机构。"
        )
        % {"name": report.name, "region": case.region.name if case.region else ""},
        reference="name-confirmed",
    )
    person_id = person.pk

    def resolve_now():
        from ..tasks import resolve_duplicates

        resolve_duplicates.delay(person_ids=[person_id], triggered_by="name-confirmed")

    # Restored records may be duplicates of each other: the rules apply to them right away.
    transaction.on_commit(resolve_now)
    return case


@transaction.atomic
def name_report_reject(*, case: DuplicateCase, reason: str, by: User) -> NameReport:
    """Staff send the report back with a reason; the reporter sees it and may report again.
    Refusals: no reason (400); `name_report_check_decide`."""
    reason = (reason or "").strip()
    if not reason:
        raise BusinessRuleViolation(_("请填写退回原因。"), field="reason", status_code=400)
    case = _case_locked(case)
    report = name_report_check_decide(user=by, case=case)
    audit = AuditTrail(actor=by, action="name_report.reject", reason=reason)
    report_before = audit_snapshot(report, _REPORT_FIELDS)
    report.status, report.rejection_reason = NameReport.Status.REJECTED, reason
    report.decided_by, report.decided_at = by, timezone.now()
    report.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
    audit.changed(report, report_before)
    audit.record()
    return report
