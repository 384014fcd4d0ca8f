"""What a person reads next to an enrollment: why it is in its state and what to do.

One place for the page and the API: `explanation_for` takes the facts (`case_rule`,
`restored_at`, `restored_reason` and `account_frozen` come from the selectors).
"""

import datetime as dt
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


def _contact(*, scheme: str, region: str, employer: str | None) -> str:
    """职工找单位，居民找社区 (the seeds); flexible workers deal with the agency themselves."""
    if scheme == Scheme.EMPLOYEE and employer is not None:
        return _("请联系您的参保单位（%(employer)s）核实处理。") % {"employer": employer}
    if scheme == Scheme.RESIDENT:
        return _("请联系您所在的社区（村）核实处理。")
    return _("请联系%(region)s医保经办机构核实处理。") % {"region": region}


def _suspension_reason(*, case_rule: str | None, status_reason: str) -> str:
    if case_rule == Rule.EMPLOYEE_OVER_RESIDENT:
        return _("您同时参加了职工医保和居民医保，按“就高”原则保留职工医保，此居民医保暂停。")
    if case_rule == Rule.EMPLOYEE_NEWEST:
        return _("您在多地参加了职工医保，保留缴费时间最新的一处，此处暂停。")
    if case_rule == Rule.RESIDENT_NEWEST:
        return _(
            "您在多地参加了居民医保，保留缴费时间最近的一处（缴费时间相同的保留先入库的），"
            "此处暂停。"
        )
    if case_rule == Rule.NAME_MISMATCH:
        return _("此处登记的姓名与您的身份证号码对应的姓名不一致，暂停待核实。")
    return status_reason


def explanation_for(
    *,
    status: str,
    scheme: str,
    status_reason: str,
    region: str,
    employer: str | None,
    merged_record: str | None,
    case_rule: str | None,
    restored_at: dt.datetime | None,
    restored_reason: str | None,
    account_frozen: bool,
) -> Explanation:
    """Why an enrollment is in its status and what to do, from its facts: the region's and
    employer's names, the record merged into, and the selectors' annotations."""
    if status == EnrollmentStatus.SUSPENDED:
        return Explanation(
            kind="suspended",
            reason=_suspension_reason(case_rule=case_rule, status_reason=status_reason),
            advice=_contact(scheme=scheme, region=region, employer=employer),
            emergency=_(
                "如急需就医看病，可联系单位经办人或社区上报并提供相关证明材料，"
                "医保经办机构核实后将立即恢复。"
            ),
        )
    if status == EnrollmentStatus.MERGED:
        return Explanation(
            kind="merged",
            reason=_(
                "同一统筹区的多条参保记录已合并至个人编号 %(record)s，"
                "缴费记录和个人账户余额随之合并。"
            )
            % {"record": merged_record or "—"},
            advice=_("无需办理。"),
        )
    if status == EnrollmentStatus.ACTIVE and restored_at:
        return Explanation(
            kind="restored",
            reason=_("已于 %(date)s 因急需就医紧急恢复：%(reason)s")
            % {
                "date": formats.date_format(restored_at, "Y-m-d"),
                "reason": restored_reason,
            },
            advice=_contact(scheme=scheme, region=region, employer=employer),
        )
    if status == EnrollmentStatus.STOPPED and scheme in EMPLOYEE_SCHEMES and account_frozen:
        return Explanation(
            kind="frozen",
            reason=_("职工医保已停保并转为居民医保，个人账户已封存：余额保留，暂时可用金额为0。"),
            advice=_("今后参加职工医保或灵活就业人员医保后，账户自动解封，余额可累计继续使用。"),
        )
    return Explanation()


def enrollment_explanation(enrollment: Enrollment) -> Explanation:
    """`explanation_for` an enrollment from the selectors (its region, employer and merged
    record selected with it, and annotated)."""
    return explanation_for(
        status=enrollment.status,
        scheme=enrollment.scheme,
        status_reason=enrollment.status_reason,
        region=enrollment.region.name,
        employer=enrollment.employer.name if enrollment.employer_id else None,
        merged_record=enrollment.merged_into.record_id if enrollment.merged_into_id else None,
        case_rule=getattr(enrollment, "case_rule", None),
        restored_at=getattr(enrollment, "restored_at", None),
        restored_reason=getattr(enrollment, "restored_reason", None),
        account_frozen=getattr(enrollment, "account_frozen", False),
    )
