"""医保钱包: family bindings, wallets, usage regions, transfers, payments.

Money never lives in these rows: balances are ledger accounts in `accounts`, moved only by
its posting services. These rows record who may move what, and in which state it is.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.messaging import mask_phone
from accounts.models import (
    DesignatedInstitution,
    InsuredPerson,
    LedgerAccount,
    PersonalAccount,
    Region,
    fen_to_yuan,
)
from accounts.uploads import private_storage


class Relation(models.TextChoices):
    """近亲属, as seen from the person who asks: "the member is my …"."""

    SPOUSE = "SPOUSE", _("配偶")
    PARENT = "PARENT", _("父母")
    CHILD = "CHILD", _("子女")
    SIBLING = "SIBLING", _("兄弟姐妹")
    GRANDPARENT = "GRANDPARENT", _("祖父母、外祖父母")
    GRANDCHILD = "GRANDCHILD", _("孙子女、外孙子女")


INVERSE_RELATION = {
    Relation.SPOUSE: Relation.SPOUSE,
    Relation.PARENT: Relation.CHILD,
    Relation.CHILD: Relation.PARENT,
    Relation.SIBLING: Relation.SIBLING,
    Relation.GRANDPARENT: Relation.GRANDCHILD,
    Relation.GRANDCHILD: Relation.GRANDPARENT,
}


class FamilyBinding(models.Model):
    """亲情账户绑定 between two close relatives: one side asks, the other confirms."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("待确认")
        CONFIRMED = "CONFIRMED", _("已绑定")
        ENDED = "ENDED", _("已解除")

    ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED)

    requester = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    member = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭成员")
    )
    relation = models.CharField(
        _("关系（成员是申请人的）"), max_length=12, choices=Relation.choices
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Where each side was insured (参保地) when bound: moving away ends the binding.
    requester_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人参保地")
    )
    member_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("成员参保地")
    )
    confirmed_by = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
        help_text=_("成员本人，或未成年成员的监护人。"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("解除人"),
    )
    ended_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    end_reason = models.CharField(_("解除原因"), max_length=200, blank=True)
    # Only a guardian binding lets the parent act for a minor: approved by staff on evidence,
    # or confirmed for the minor by a guardian already so.
    guardian = models.BooleanField(
        _("监护关系"),
        default=False,
        help_text=_("经办机构审核通过，或由已确认的监护人确认的父母与未成年子女的绑定。"),
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("家庭成员绑定")
        verbose_name_plural = _("家庭成员绑定")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(requester=models.F("member")), name="binding_two_persons"
            ),
            # One live binding per pair of persons, whichever side asked.
            models.UniqueConstraint(
                Least("requester", "member"),
                Greatest("requester", "member"),
                condition=models.Q(status__in=["PENDING", "CONFIRMED"]),
                name="binding_one_live_per_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["requester", "status"], name="binding_requester"),
            models.Index(fields=["member", "status"], name="binding_member"),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.member}（{self.get_relation_display()}）"

    def other(self, person_id: int) -> InsuredPerson:
        return self.member if person_id == self.requester_id else self.requester

    def relation_seen_by(self, person_id: int) -> str:
        """The other side's relation to `person_id`, e.g. the member sees the requester as 父母."""
        return relation_seen(self.relation, by_requester=person_id == self.requester_id)


def relation_seen(relation: str, *, by_requester: bool) -> str:
    """A binding's `relation` as one side sees the other: the requester sees it as stored."""
    if by_requester:
        return Relation(relation).label
    return INVERSE_RELATION[Relation(relation)].label


def _guardian_evidence_storage():
    return private_storage


class GuardianReview(models.Model):
    """A parent's first binding to a minor child, with evidence, waiting for the child's region.

    Staff of the minor's insured region approve it (the binding becomes a confirmed guardian
    binding) or reject it (the binding ends); the requester withdrawing it ends the wait.
    """

    class Status(models.TextChoices):
        WAITING = "WAITING", _("待审核")
        APPROVED = "APPROVED", _("已通过")
        REJECTED = "REJECTED", _("未通过")
        WITHDRAWN = "WITHDRAWN", _("已撤回")

    binding = models.OneToOneField(
        FamilyBinding,
        on_delete=models.PROTECT,
        related_name="guardian_review",
        verbose_name=_("绑定申请"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("未成年人参保地"),
        help_text=_("由此统筹区的经办人员审核。"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    evidence = models.FileField(
        _("证明材料"), storage=_guardian_evidence_storage, upload_to="wallet/guardian/%Y/%m/"
    )
    evidence_name = models.CharField(_("原文件名"), max_length=200)
    evidence_type = models.CharField(_("文件类型"), max_length=50)
    evidence_size = models.PositiveIntegerField(_("文件大小（字节）"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    note = models.CharField(_("审核意见"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("监护关系审核")
        verbose_name_plural = _("监护关系审核")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["region", "status"], name="guardian_review_region")]

    def __str__(self) -> str:
        return f"{self.binding} {self.get_status_display()}"


class Wallet(models.Model):
    """One person's 医保钱包; its money is the person's WALLET ledger account."""

    class Status(models.TextChoices):
        OPEN = "OPEN", _("已开通")
        CLOSED = "CLOSED", _("已关闭")

    person = models.OneToOneField(
        InsuredPerson, on_delete=models.PROTECT, related_name="wallet", verbose_name=_("参保人")
    )
    account = models.OneToOneField(
        LedgerAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("钱包账户")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    insured_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("参保地")
    )
    usage_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("使用地")
    )
    phone = models.CharField(_("开通时手机号"), max_length=20, blank=True)
    opened_by = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("开通人"),
        help_text=_("本人开通，或由已绑定的家庭成员代开通。"),
    )
    consent_at = models.DateTimeField(_("同意开通时间"))
    opened_at = models.DateTimeField(_("开通时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("医保钱包")
        verbose_name_plural = _("医保钱包")

    def __str__(self) -> str:
        return f"{self.person} {self.get_status_display()}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class UsageRegionChange(models.Model):
    """Every change of a wallet's 使用地, kept for ever (the first row is the opening)."""

    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, related_name="usage_changes", verbose_name=_("钱包")
    )
    from_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("原使用地"),
    )
    to_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("新使用地")
    )
    changed_by = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    changed_at = models.DateTimeField(_("变更时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("使用地变更记录")
        verbose_name_plural = _("使用地变更记录")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_region_id or '-'} → {self.to_region_id}"


class WalletTransfer(models.Model):
    """A transfer from the sender's personal account to a family member's wallet.

    AWAITING_CODE → SENT (money in the sender's holding account) → ACCEPTED (in the
    recipient's wallet) or RETURNED (back to the sender); CANCELLED / EXPIRED before sending.
    """

    class Status(models.TextChoices):
        AWAITING_CODE = "AWAITING_CODE", _("待验证")
        SENT = "SENT", _("待接收")
        ACCEPTED = "ACCEPTED", _("已接收")
        RETURNED = "RETURNED", _("已退回")
        CANCELLED = "CANCELLED", _("已取消")
        EXPIRED = "EXPIRED", _("已失效")

    # Fewer indexes, fewer writes per transfer: sender and recipient lead composite indexes
    # below; source and holding are never searched by (ledger rows are never deleted).
    sender = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("转出人"),
        db_index=False,
    )
    recipient = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("接收人"),
        db_index=False,
    )
    binding = models.ForeignKey(
        FamilyBinding,
        on_delete=models.PROTECT,
        related_name="transfers",
        verbose_name=_("绑定"),
        db_index=False,
    )
    source = models.ForeignKey(
        PersonalAccount,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("转出账户"),
        db_index=False,
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("转出人参保地"),
        help_text=_("按此统筹区的钱包政策校验限额。"),
        db_index=False,  # wallet_transfer_region, in the order staff lists read
    )
    amount_fen = models.BigIntegerField(_("金额（分）"))
    holding = models.ForeignKey(
        LedgerAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("在途账户"),
        db_index=False,
        help_text=_("转出后、接收或退回前，款项所在的账务账户。"),
    )
    status = models.CharField(
        _("状态"), max_length=15, choices=Status.choices, default=Status.AWAITING_CODE
    )
    idempotency_key = models.CharField(_("幂等键"), max_length=120)
    code_digest = models.CharField(_("验证码摘要"), max_length=100)
    code_expires_at = models.DateTimeField(_("验证码过期时间"))
    code_failures = models.PositiveSmallIntegerField(_("验证码错误次数"), default=0)
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("转出时间"), null=True, blank=True)
    accept_deadline = models.DateTimeField(_("接收截止时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    finish_reason = models.CharField(_("结束原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("钱包转账")
        verbose_name_plural = _("钱包转账")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="wallet_transfer_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("recipient")),
                name="wallet_transfer_two_persons",
            ),
            models.UniqueConstraint(
                fields=["sender", "idempotency_key"], name="wallet_transfer_idempotency_key"
            ),
            # No new transfer while one of the sender's still waits for acceptance.
            models.UniqueConstraint(
                fields=["sender"],
                condition=models.Q(status="SENT"),
                name="wallet_transfer_one_awaiting_acceptance",
            ),
            # One request waits for its code at a time: a new request cancels the old one.
            models.UniqueConstraint(
                fields=["sender"],
                condition=models.Q(status="AWAITING_CODE"),
                name="wallet_transfer_one_awaiting_code",
            ),
        ]
        indexes = [
            models.Index(fields=["sender", "status"], name="wallet_transfer_sender"),
            models.Index(fields=["recipient", "status"], name="wallet_transfer_recipient"),
            models.Index(fields=["region", "-created_at"], name="wallet_transfer_region"),
            # Only open transfers are looked up by these: finished ones stay out of them.
            models.Index(
                fields=["binding"],
                condition=models.Q(status__in=["AWAITING_CODE", "SENT"]),
                name="wallet_transfer_open_binding",
            ),
            models.Index(
                fields=["accept_deadline"],
                condition=models.Q(status="SENT"),
                name="wallet_transfer_due",
            ),
            models.Index(
                fields=["code_expires_at"],
                condition=models.Q(status="AWAITING_CODE"),
                name="wallet_transfer_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.amount} {self.get_status_display()}"

    @property
    def amount(self):
        return fen_to_yuan(self.amount_fen)

    @property
    def reference(self) -> str:
        return f"wallet_transfer:{self.pk}"


class WalletDailyUsage(models.Model):
    """Transfers sent by one sender on one day (Asia/Shanghai), locked by every confirmation.

    `max_transfers` is the region's limit copied in under the same lock, so the database
    itself refuses a count above the limit, whatever the application checked before.
    """

    sender = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="+", verbose_name=_("转出人")
    )
    day = models.DateField(_("日期"))
    transfers = models.PositiveSmallIntegerField(_("已转出笔数"), default=0)
    max_transfers = models.PositiveSmallIntegerField(_("当日上限"))
    amount_fen = models.BigIntegerField(_("已转出金额（分）"), default=0)
    # The region's daily total copied in under the same lock as `max_transfers` (0 on rows
    # that only counted codes: they move no money).
    max_amount_fen = models.BigIntegerField(_("当日累计金额上限（分）"), db_default=0)
    # One-time codes of the day, over all the sender's transfers, with their limits copied in
    # (db_default: the raw statements that count transfers leave them out).
    codes_sent = models.PositiveSmallIntegerField(_("已发送验证码次数"), db_default=0)
    max_codes_sent = models.PositiveSmallIntegerField(_("当日验证码发送上限"), db_default=0)
    code_failures = models.PositiveSmallIntegerField(_("验证码错误次数"), db_default=0)
    max_code_failures = models.PositiveSmallIntegerField(_("当日验证码错误上限"), db_default=0)

    class Meta:
        verbose_name = _("每日转账用量")
        verbose_name_plural = _("每日转账用量")
        constraints = [
            models.UniqueConstraint(fields=["sender", "day"], name="wallet_usage_once_per_day"),
            models.CheckConstraint(
                condition=models.Q(transfers__lte=models.F("max_transfers")),
                name="wallet_usage_within_daily_limit",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gte=0), name="wallet_usage_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_fen__lte=models.F("max_amount_fen")),
                name="wallet_usage_within_daily_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(codes_sent__lte=models.F("max_codes_sent")),
                name="wallet_usage_codes_within_daily_limit",
            ),
            models.CheckConstraint(
                condition=models.Q(code_failures__lte=models.F("max_code_failures")),
                name="wallet_usage_code_failures_within_daily_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id} {self.day} {self.transfers}/{self.max_transfers}"


class PaymentCode(models.Model):
    """付款码 (our 医保码): the person's consent to one payment at one institution, up to a ceiling.

    Only a keyed hash of the code is stored. It is used once (`used_at`, and the payment's
    one-to-one link in the database); a refused attempt is kept for the person to see.
    """

    class Refusal(models.TextChoices):
        EXPIRED = "EXPIRED", _("付款码已过期")
        USED = "USED", _("付款码已使用")
        OTHER_INSTITUTION = "OTHER_INSTITUTION", _("其他机构尝试使用付款码")
        OVER_CEILING = "OVER_CEILING", _("结算金额超过付款码的限额")
        WALLET_CLOSED = "WALLET_CLOSED", _("医保钱包未开通")
        OTHER_REGION = "OTHER_REGION", _("机构不在钱包使用地")
        SUSPENDED = "SUSPENDED", _("参保登记暂停，待核实后才能支付")
        INSUFFICIENT = "INSUFFICIENT", _("钱包余额不足")

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="+", verbose_name=_("参保人")
    )
    institution = models.ForeignKey(
        DesignatedInstitution,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("定点医药机构"),
    )
    max_amount_fen = models.BigIntegerField(_("限额（分）"))
    digest = models.CharField(_("付款码摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    refusal = models.CharField(
        _("最近一次拒绝原因"), max_length=20, choices=Refusal.choices, blank=True
    )
    refused_amount_fen = models.BigIntegerField(_("被拒绝的金额（分）"), null=True, blank=True)
    refused_at = models.DateTimeField(_("拒绝时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("付款码")
        verbose_name_plural = _("付款码")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["person", "-created_at"], name="wallet_paycode_person")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_amount_fen__gt=0), name="wallet_paycode_ceiling_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.institution_id} ≤ {self.max_amount}"

    @property
    def max_amount(self):
        return fen_to_yuan(self.max_amount_fen)

    @property
    def status(self) -> str:
        if self.used_at is not None:
            return "USED"
        return "ACTIVE" if self.expires_at > timezone.now() else "EXPIRED"

    @property
    def refused_amount(self):
        return None if self.refused_amount_fen is None else fen_to_yuan(self.refused_amount_fen)


class WalletPayment(models.Model):
    """Wallet money spent: a resident premium or the self-paid part of a bill. Never cash."""

    class Purpose(models.TextChoices):
        RESIDENT_PREMIUM = "RESIDENT_PREMIUM", _("代缴居民医保费")
        MEDICAL = "MEDICAL", _("定点医药机构个人自付")

    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, related_name="payments", verbose_name=_("付款钱包")
    )
    beneficiary = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="+", verbose_name=_("受益人")
    )
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("统筹区")
    )
    year = models.PositiveSmallIntegerField(_("缴费年度"), null=True, blank=True)
    institution_code = models.CharField(_("定点机构编码"), max_length=30, blank=True)
    institution_name = models.CharField(_("定点机构名称"), max_length=100, blank=True)
    bill_reference = models.CharField(_("结算单号"), max_length=60, blank=True)
    # One payment per code, enforced by the database.
    payment_code = models.OneToOneField(
        PaymentCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment",
        verbose_name=_("付款码"),
    )
    idempotency_key = models.CharField(_("幂等键"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("支付时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("钱包支付")
        verbose_name_plural = _("钱包支付")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="wallet_payment_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["beneficiary", "year"],
                condition=models.Q(purpose="RESIDENT_PREMIUM"),
                name="wallet_premium_once_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.amount}"

    @property
    def amount(self):
        return fen_to_yuan(self.amount_fen)
