"""Employer difference refunds (单位差额退费): batches the tax department submits, one item per
employee and month; and resident refunds (城乡居民医保退费) of premiums. Money is integer fen,
like the ledger's."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Employer, InsuredPerson, Region, fen_to_yuan, period_validator
from accounts.uploads import private_storage


def _private_storage():
    return private_storage


_BATCH_AMOUNTS = (
    "employer_paid_fen",
    "individual_paid_fen",
    "employer_due_fen",
    "individual_due_fen",
    "employer_refund_fen",
    "individual_refund_fen",
)


class StaffDecision(models.Model):
    """Who decided a case and when, the reason of a refusal, and the idempotency key of the
    posting an approval made."""

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
        abstract = True


class RefundBatch(StaffDecision):
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


class Clearance(StaffDecision):
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


class ResidentPremium(models.Model):
    """城乡居民医保 premium received for a benefit year (the year paid for), one per person,
    region and year: reported by the tax department, or paid from a family wallet."""

    class Source(models.TextChoices):
        FEED = "FEED", _("税务部门报送")
        WALLET = "WALLET", _("医保钱包代缴")

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="+", verbose_name=_("参保人")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("统筹区")
    )
    year = models.PositiveSmallIntegerField(_("待遇年度"))
    amount_fen = models.BigIntegerField(_("缴费金额（分）"))
    paid_at = models.DateTimeField(_("缴费时间"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("居民医保缴费")
        verbose_name_plural = _("居民医保缴费")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "region", "year"], name="resident_premium_once_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="resident_premium_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.region_id} {self.year}"

    @property
    def amount(self) -> Decimal:
        return fen_to_yuan(self.amount_fen)


class ResidentRefund(StaffDecision):
    """A resident refund application (城乡居民医保退费) for one premium. The applicant is the
    logged-in person: the insured, an agent (代办) or, for a death, the legal heir.

    The review clock: `due_date` is 20 working days (region policy) after `complete_on`, the
    day the materials were last complete; while staff wait for materials both are empty."""

    class Type(models.TextChoices):
        DUPLICATE = "DUPLICATE", _("重复缴费")
        EMPLOYEE_INSURANCE = "EMPLOYEE_INSURANCE", _("参加职工医保")
        OTHER_REGION = "OTHER_REGION", _("在其他统筹区参加居民医保")
        PAYMENT_ERROR = "PAYMENT_ERROR", _("缴费错误")
        DEATH = "DEATH", _("参保人死亡")

    class Status(models.TextChoices):
        WAITING = "WAITING", _("待审核")
        MATERIALS_REQUESTED = "MATERIALS_REQUESTED", _("待补充材料")
        APPROVED = "APPROVED", _("已退费")
        REJECTED = "REJECTED", _("不予退费")

    OPEN_STATUSES = (Status.WAITING, Status.MATERIALS_REQUESTED)

    premium = models.ForeignKey(
        ResidentPremium,
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("缴费记录"),
    )
    applicant = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="resident_refunds",
        verbose_name=_("申请人"),
    )
    type = models.CharField(_("退费类型"), max_length=20, choices=Type.choices)
    by_agent = models.BooleanField(_("代办"), default=False)
    amount_fen = models.BigIntegerField(_("退费金额（分）"))
    bank_name = models.CharField(_("开户银行"), max_length=100)
    bank_account = models.CharField(_("银行账号"), max_length=30)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.WAITING
    )
    submitted_at = models.DateTimeField(_("申请时间"))
    complete_on = models.DateField(_("材料齐全日期"), null=True, blank=True)
    due_date = models.DateField(_("办理期限"), null=True, blank=True)
    materials_note = models.CharField(_("需补充的材料"), max_length=500, blank=True)
    reason = models.CharField(_("不予退费原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("居民医保退费申请")
        verbose_name_plural = _("居民医保退费申请")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            # One open application per premium, under concurrency too.
            models.UniqueConstraint(
                fields=["premium"],
                condition=models.Q(status__in=["WAITING", "MATERIALS_REQUESTED"]),
                name="resident_refund_one_open_per_premium",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="resident_refund_amount_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["applicant", "-submitted_at"], name="resident_refund_applicant"),
            models.Index(fields=["status", "due_date"], name="resident_refund_status_due"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_type_display()}"

    @property
    def amount(self) -> Decimal:
        return fen_to_yuan(self.amount_fen)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def masked_bank_account(self) -> str:
        return f"****{self.bank_account[-4:]}"


class ResidentRefundDocument(models.Model):
    """A material (证明材料) of an application, stored privately."""

    class Kind(models.TextChoices):
        PAYMENT_RECEIPT = "payment_receipt", _("缴费凭证")
        INSURANCE_STOPPED = "insurance_stopped", _("另一参保关系终止证明")
        OTHER_INSURANCE = "other_insurance", _("其他参保证明")
        DEATH_CERTIFICATE = "death_certificate", _("死亡证明")
        POWER_OF_ATTORNEY = "power_of_attorney", _("授权委托书")
        AGENT_ID = "agent_id", _("代办人身份证")
        SUPPLEMENT = "supplement", _("补充材料")

    refund = models.ForeignKey(
        ResidentRefund,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("退费申请"),
    )
    kind = models.CharField(_("材料类型"), max_length=20, choices=Kind.choices)
    file = models.FileField(
        _("文件"), storage=_private_storage, upload_to="refunds/resident/%Y/%m/"
    )
    content_type = models.CharField(_("文件类型"), max_length=50)
    original_name = models.CharField(_("原文件名"), max_length=200)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("退费申请材料")
        verbose_name_plural = _("退费申请材料")
        ordering = ["refund_id", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"#{self.refund_id} {self.get_kind_display()}"


class ResidentRefundEvent(models.Model):
    """One step of an application's progress: the status reached, who, when."""

    refund = models.ForeignKey(
        ResidentRefund,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("退费申请"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=ResidentRefund.Status.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    by_label = models.CharField(_("办理人"), max_length=100)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("退费办理记录")
        verbose_name_plural = _("退费办理记录")
        ordering = ["refund_id", "at", "pk"]

    def __str__(self) -> str:
        return f"#{self.refund_id} {self.status} {self.at:%Y-%m-%d %H:%M}"
