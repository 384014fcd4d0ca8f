from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import InsuredPerson, Region
from accounts.uploads import private_storage
from enrollment.models import Scheme


def _private_storage():
    return private_storage


class TransferStatus(models.TextChoices):
    SUBMITTED = "SUBMITTED", _("已提交，待转出地审核")
    OUT_APPROVED = "OUT_APPROVED", _("转出地已审核，待转入地接收")
    COMPLETED = "COMPLETED", _("已办结")
    REJECTED = "REJECTED", _("未通过")
    WITHDRAWN = "WITHDRAWN", _("已撤回")


OPEN_STATUSES = (TransferStatus.SUBMITTED, TransferStatus.OUT_APPROVED)


class TransferApplication(models.Model):
    """转移接续申请: a person's insurance moves from one region (转出地) to another (转入地).

    Workflow (transfers.services): SUBMITTED → OUT_APPROVED → COMPLETED, or REJECTED by the
    side whose turn it is, or WITHDRAWN by the applicant while SUBMITTED. The money in transit
    is recorded per old personal account in `transit_parts`, so acceptance and a rejection's
    return move exactly what left.
    """

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="transfer_applications",
        verbose_name=_("参保人"),
    )
    from_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("转出地")
    )
    to_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("转入地")
    )
    scheme = models.CharField(_("险种"), max_length=10, choices=Scheme.choices)
    status = models.CharField(
        _("状态"),
        max_length=15,
        choices=TransferStatus.choices,
        default=TransferStatus.SUBMITTED,
    )
    submitted_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    out_due = models.DateField(_("转出办理期限"))
    complete_due = models.DateField(_("全流程办结期限"))
    id_front = models.FileField(
        _("身份证人像面"), storage=_private_storage, upload_to="transfers/id/%Y/%m/"
    )
    id_front_type = models.CharField(_("人像面文件类型"), max_length=50)
    id_back = models.FileField(
        _("身份证国徽面"), storage=_private_storage, upload_to="transfers/id/%Y/%m/"
    )
    id_back_type = models.CharField(_("国徽面文件类型"), max_length=50)
    # 《参保凭证》: rendered on demand from what was fixed at transfer-out approval.
    certificate_number = models.CharField(
        _("参保凭证校验码"), max_length=40, blank=True, default=""
    )
    certificate_issued_on = models.DateField(_("参保凭证开具日期"), null=True, blank=True)
    certificate_data = models.JSONField(_("参保凭证内容"), default=dict, blank=True)
    # [{"account": PersonalAccount pk, "current": fen, "carried": fen}, ...]
    transit_parts = models.JSONField(_("在途资金"), default=list, blank=True)
    out_approved_at = models.DateTimeField(_("转出审核时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reject_reason = models.CharField(_("不予办理原因"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("转移接续申请")
        verbose_name_plural = _("转移接续申请")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            # "No other open application of the person" holds under concurrency too.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["SUBMITTED", "OUT_APPROVED"]),
                name="transfer_one_open_per_person",
            ),
            models.UniqueConstraint(
                fields=["certificate_number"],
                condition=~models.Q(certificate_number=""),
                name="transfer_certificate_number_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_region=models.F("to_region")),
                name="transfer_between_two_regions",
            ),
        ]
        indexes = [
            models.Index(fields=["from_region", "status"], name="transfer_from_region_status"),
            models.Index(fields=["to_region", "status"], name="transfer_to_region_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.person} {self.from_region_id}→{self.to_region_id}"

    @property
    def transit_fen(self) -> int:
        return sum(part["current"] + part["carried"] for part in self.transit_parts)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TransferEvent(models.Model):
    """One step of an application's timeline (业务办理进度): the status reached, who, when."""

    application = models.ForeignKey(
        TransferApplication,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("申请"),
    )
    status = models.CharField(_("状态"), max_length=15, choices=TransferStatus.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    # What the applicant reads as "who": their own label, or the agency that acted.
    by_label = models.CharField(_("办理人"), max_length=100)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("转移接续办理记录")
        verbose_name_plural = _("转移接续办理记录")
        ordering = ["application_id", "at", "pk"]

    def __str__(self) -> str:
        return f"#{self.application_id} {self.status} {self.at:%Y-%m-%d %H:%M}"
