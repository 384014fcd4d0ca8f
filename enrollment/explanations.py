"""What a person reads next to an enrollment: why it is in its state and what to do.

One place for the page and the API. The enrollment comes from the selectors, annotated with
`case_rule`, `restored_at`, `restored_reason` and `account_frozen`.
"""

from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from .models import EMPLOYEE_SCHEMES, DuplicateCase, Enrollment, EnrollmentStatus, Scheme

Rule = DuplicateCase.Rule


@dataclass(frozen=True)
class Explanation:
    kind: str = ""  # suspended, merged, restored, frozen
    reason: str = ""
    advice: str = ""
    emergency: str = ""  # how to get care now while suspended

    def __bool__(self) -> bool:
        return bool(self.reason or self.advice)


def _contact(enrollment: Enrollment) -> str:
    """职工找单位，居民找社区 (the seeds); flexible workers deal with the agency themselves."""
    if enrollment.scheme == Scheme.EMPLOYEE and enrollment.employer_id:
        return _("请联系您的参保单位（%(employer)s）核实处理。") % {
            "employer": enrollment.employer.name
        }
    if enrollment.scheme == Scheme.RESIDENT:
        return _("请联系您所在的社区（村）核实处理。")
    return _("请联系%(region)s医保经办机构核实处理。") % {"region": enrollment.region.name}


def _suspension_reason(enrollment: Enrollment) -> str:
    rule = getattr(enrollment, "case_rule", None)
    if rule == Rule.EMPLOYEE_OVER_RESIDENT:
        return _("您同时参加了职工医保和居民医保，按“就高”原则保留职工医保，此居民医保暂停。")
    if rule == Rule.EMPLOYEE_NEWEST:
        return _("您在多地参加了职工医保，保留缴费时间最新的一处，此处暂停。")
    if rule == Rule.RESIDENT_NEWEST:
        return _(
            "您在多地参加了居民医保，保留缴费时间最近的一处（缴费时间相同的保留先入库的），"
            "此处暂停。"
        )
    if rule == Rule.NAME_MISMATCH:
        return _("此处登记的姓名与您的身份证号码对应的姓名不一致，暂停待核实。")
    return enrollment.status_reason


def enrollment_explanation(enrollment: Enrollment) -> Explanation:
    if enrollment.status == EnrollmentStatus.SUSPENDED:
        return Explanation(
            kind="suspended",
            reason=_suspension_reason(enrollment),
            advice=_contact(enrollment),
            emergency=_(
                "如急需就医看病，可联系单位经办人或社区上报并提供相关证明材料，"
                "医保经办机构核实后将立即恢复。"
            ),
        )
    if enrollment.status == EnrollmentStatus.MERGED:
        record = enrollment.merged_into.record_id if enrollment.merged_into_id else ""
        return Explanation(
            kind="merged",
            reason=_(
                "同一统筹区的多条参保记录已合并至个人编号 %(record)s，"
                "缴费记录和个人账户余额随之合并。"
            )
            % {"record": record or "—"},
            advice=_("无需办理。"),
        )
    if enrollment.status == EnrollmentStatus.ACTIVE and getattr(enrollment, "restored_at", None):
        return Explanation(
            kind="restored",
            reason=_("已于 %(date)s 因急需就医紧急恢复：%(reason)s")
            % {
                "date": formats.date_format(enrollment.restored_at, "Y-m-d"),
                "reason": enrollment.restored_reason,
            },
            advice=_contact(enrollment),
        )
    if (
        enrollment.status == EnrollmentStatus.STOPPED
        and enrollment.scheme in EMPLOYEE_SCHEMES
        and getattr(enrollment, "account_frozen", False)
    ):
        return Explanation(
            kind="frozen",
            reason=_("职工医保已停保并转为居民医保，个人账户已封存：余额保留，暂时可用金额为0。"),
            advice=_("今后参加职工医保或灵活就业人员医保后，账户自动解封，余额可累计继续使用。"),
        )
    return Explanation()


def with_explanations(enrollments) -> list[Enrollment]:
    """The enrollments as a list, each carrying `.explanation`."""
    items = list(enrollments)
    for enrollment in items:
        enrollment.explanation = enrollment_explanation(enrollment)
    return items
