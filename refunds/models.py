"""Employer difference refunds (单位差额退费): batches the tax department submits, one item per
employee and month. Money is integer fen, like the ledger's."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Employer, InsuredPerson, Region, fen_to_yuan, period_validator

_BATCH_AMOUNTS = (
    "employer_paid_fen",
    "individual_paid_fen",
    "employer_due_fen",
    "individual_due_fen",
    "employer_refund_fen",
    "individual_refund_fen",
)


class RefundBatch(models.Model):
    """A batch for one employer in one region over some periods; staff approve or reject it.
    Totals are the sums of its items (excluded items count zero)."""

    class Status(models.TextChoices):
        RECEIVED = "RECEIVED", _("待审核")
        APPROVED = "APPROVED", _("已审核通过")
        REJECTED = "REJECTED", _("已驳回")

    reference = models.CharField(_("批次编号"), max_length=64, unique=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("统筹区")
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="refund_batches", verbose_name=_("单位")
    )
    periods = models.JSONField(_("退费期号"), default=list)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    item_count = models.PositiveIntegerField(_("明细条数"), default=0)
    person_count = models.PositiveIntegerField(_("职工人数"), default=0)
    excluded_count = models.PositiveIntegerField(_("不予退费条数"), default=0)
    employer_paid_fen = models.BigIntegerField(_("单位已缴（分）"), default=0)
    individual_paid_fen = models.BigIntegerField(_("个人已缴（分）"), default=0)
    employer_due_fen = models.BigIntegerField(_("单位应缴（分）"), default=0)
    individual_due_fen = models.BigIntegerField(_("个人应缴（分）"), default=0)
    employer_refund_fen = models.BigIntegerField(_("单位部分退费（分）"), default=0)
    individual_refund_fen = models.BigIntegerField(_("个人部分退费（分）"), default=0)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报送账号"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reason = models.CharField(_("驳回原因"), max_length=500, blank=True)
    posting_key = models.CharField(_("记账幂等键"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("单位差额退费批次")
        verbose_name_plural = _("单位差额退费批次")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{name}__gte": 0 for name in _BATCH_AMOUNTS}),
                name="refund_batch_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(status="RECEIVED", decided_at__isnull=True)
                | models.Q(status__in=["APPROVED", "REJECTED"], decided_at__isnull=False),
                name="refund_batch_decided_when_decided",
            ),
        ]
        indexes = [models.Index(fields=["employer", "-received_at"], name="refund_batch_employer")]

    def __str__(self) -> str:
        return self.reference

    @property
    def refund_fen(self) -> int:
        return self.employer_refund_fen + self.individual_refund_fen

    @property
    def refund(self) -> Decimal:
        return fen_to_yuan(self.refund_fen)


class RefundItem(models.Model):
    """One employee and month of a batch: the base paid on and the corrected base (as reported
    and as clamped to that period's band), the shares paid, due and refunded, employer and
    individual apart. An excluded item keeps its figures paid and refunds zero."""

    class Exclusion(models.TextChoices):
        STOPPED = "STOPPED", _("已停保")
        LEFT = "LEFT", _("已离开该单位")
        RETIRED = "RETIRED", _("已退休")
        WHOLE_UNIT_TRANSFER = "WHOLE_UNIT_TRANSFER", _("整建制转移")

    batch = models.ForeignKey(
        RefundBatch,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("批次"),
        db_index=False,  # the unique (batch, person, period) index leads with it
    )
    line = models.PositiveIntegerField(_("行号"), help_text=_("在报送明细中的位置（从0起）。"))
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("职工"),
    )
    period = models.CharField(_("期号"), max_length=6, validators=[period_validator])
    paid_base_fen = models.BigIntegerField(_("原缴费基数（分）"))
    corrected_base_fen = models.BigIntegerField(_("核定后基数（分）"))
    applied_base_fen = models.BigIntegerField(_("计算基数（分）"))
    employer_paid_fen = models.BigIntegerField(_("单位已缴（分）"))
    individual_paid_fen = models.BigIntegerField(_("个人已缴（分）"))
    employer_due_fen = models.BigIntegerField(_("单位应缴（分）"))
    individual_due_fen = models.BigIntegerField(_("个人应缴（分）"))
    employer_refund_fen = models.BigIntegerField(_("单位部分退费（分）"))
    individual_refund_fen = models.BigIntegerField(_("个人部分退费（分）"))
    exclusion = models.CharField(
        _("不予退费原因"), max_length=20, choices=Exclusion.choices, blank=True
    )

    class Meta:
        verbose_name = _("退费明细")
        verbose_name_plural = _("退费明细")
        ordering = ["batch", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "person", "period"], name="refund_item_once_per_person_period"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    paid_base_fen__gt=0,
                    corrected_base_fen__gt=0,
                    applied_base_fen__gt=0,
                    **{f"{name}__gte": 0 for name in _BATCH_AMOUNTS},
                ),
                name="refund_item_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(exclusion="")
                | models.Q(employer_refund_fen=0, individual_refund_fen=0),
                name="refund_item_excluded_refunds_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.person_id} {self.period}"

    @property
    def refund_fen(self) -> int:
        return self.employer_refund_fen + self.individual_refund_fen


class Clearance(models.Model):
    """清退: an employer asks to pay pending money to its bank account; staff of its region
    decide. A waiting request reserves its amount of the pending balance."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("待审核")
        APPROVED = "APPROVED", _("已清退")
        REJECTED = "REJECTED", _("已驳回")

    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="clearances", verbose_name=_("单位")
    )
    amount_fen = models.BigIntegerField(_("清退金额（分）"))
    bank_name = models.CharField(_("开户银行"), max_length=100)
    bank_account = models.CharField(_("银行账号"), max_length=30)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申请账号"),
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reason = models.CharField(_("驳回原因"), max_length=500, blank=True)
    posting_key = models.CharField(_("记账幂等键"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("待转账户清退申请")
        verbose_name_plural = _("待转账户清退申请")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="clearance_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["employer", "status"], name="clearance_employer_status")]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.amount}"

    @property
    def amount(self) -> Decimal:
        return fen_to_yuan(self.amount_fen)

    @property
    def masked_bank_account(self) -> str:
        return f"****{self.bank_account[-4:]}"
