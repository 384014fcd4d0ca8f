import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .identity import (
    DATE_MAX,
    DATE_MIN,
    mask_national_id,
    validate_credit_code,
    validate_date_in_range,
    validate_name,
    validate_national_id,
)

MONEY = {"max_digits": 14, "decimal_places": 2}

# What the database keeps: a day wider than DATE_MIN..DATE_MAX in Asia/Shanghai on either
# side (whatever its historical offset), so validated input always fits, and no stored
# time can overflow year 9999 when read and converted.
_STORED_FROM = dt.datetime.combine(DATE_MIN - dt.timedelta(days=1), dt.time(), dt.UTC)
_STORED_UNTIL = dt.datetime.combine(DATE_MAX + dt.timedelta(days=1), dt.time(), dt.UTC)


def date_in_range_constraint(field: str, *, name: str, datetime: bool) -> models.CheckConstraint:
    """CHECK that a nullable date or date-time column stays within the system's date range."""
    if datetime:
        bounds = models.Q(**{f"{field}__gte": _STORED_FROM, f"{field}__lt": _STORED_UNTIL})
    else:
        bounds = models.Q(**{f"{field}__gte": DATE_MIN, f"{field}__lte": DATE_MAX})
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__isnull": True}) | bounds, name=name
    )


RATE = {"max_digits": 6, "decimal_places": 4}
month_day_validator = RegexValidator(
    r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", _("格式为 MM-DD。")
)


class Region(models.Model):
    """统筹区: a pooling region named by its 6-digit administrative division code."""

    code = models.CharField(
        _("区划代码"),
        max_length=6,
        primary_key=True,
        validators=[RegexValidator(r"^\d{6}$", _("区划代码必须是6位数字。"))],
    )
    name = models.CharField(_("名称"), max_length=50)
    province = models.CharField(_("省份"), max_length=50)
    wallet_enabled = models.BooleanField(_("已开通医保钱包"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("统筹区")
        verbose_name_plural = _("统筹区")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RegionPolicy(models.Model):
    """Every regional number of the spec: staff edit these in the admin, nothing is hard-coded.

    Rates, the contribution band and the retiree credit change over time: they are dated, in
    RegionPolicyVersion; the settings here hold for every period.
    """

    region = models.OneToOneField(
        Region,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="policy",
        verbose_name=_("统筹区"),
    )
    # Monthly credit (每月划入)
    credit_day = models.PositiveSmallIntegerField(
        _("每月划入日"), default=20, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    spend_current_year_first = models.BooleanField(_("优先使用当年账户"), default=True)
    # Family wallet (医保钱包)
    wallet_max_transfers_per_day = models.PositiveSmallIntegerField(
        _("每日转账次数上限"), default=3
    )
    wallet_max_transfer_amount = models.DecimalField(
        _("单笔转账上限（元）"), **MONEY, default=Decimal("2000.00")
    )
    # Seed 000: a limit on the total a sender moves out in a day, besides the count.
    wallet_max_daily_amount = models.DecimalField(
        _("每日转账累计上限（元）"), **MONEY, default=Decimal("2000.00")
    )
    wallet_quiet_start = models.TimeField(_("暂停转账开始时间"), default="22:00")
    wallet_quiet_end = models.TimeField(_("暂停转账结束时间"), default="06:00")
    wallet_accept_deadline = models.TimeField(_("次日未接收退回时间"), default="06:00")
    wallet_code_attempts = models.PositiveSmallIntegerField(_("验证码错误次数上限"), default=5)
    wallet_code_ttl_minutes = models.PositiveSmallIntegerField(
        _("验证码有效期（分钟）"), default=10
    )
    # Across all of a person's transfers, per day (Asia/Shanghai): guessing codes stays slow.
    wallet_code_failures_per_day = models.PositiveSmallIntegerField(
        _("每人每日验证码错误次数上限"), default=10, validators=[MinValueValidator(1)]
    )
    wallet_codes_per_day = models.PositiveSmallIntegerField(
        _("每人每日发送验证码次数上限"), default=10, validators=[MinValueValidator(1)]
    )
    wallet_phone_change_block_hours = models.PositiveSmallIntegerField(
        _("更换手机号后暂停转出（小时）"), default=24
    )
    # Cross-region transfer (转移接续), in working days
    transfer_out_days = models.PositiveSmallIntegerField(_("转出办理时限（工作日）"), default=10)
    transfer_in_days = models.PositiveSmallIntegerField(_("转入办理时限（工作日）"), default=5)
    transfer_credit_days = models.PositiveSmallIntegerField(
        _("到账后划入时限（工作日）"), default=5
    )
    transfer_refuse_arrears = models.BooleanField(
        _("有欠费不予转出"),
        default=False,
        help_text=_("部分地区要求：原参保地已核定期号未缴费的，不予办理转移接续。"),
    )
    transfer_retirees_allowed = models.BooleanField(
        _("退休人员可申请转移接续"),
        default=True,
        help_text=_("关闭后，退休人员的转移接续按本统筹区规定另行办理，不能在线申请。"),
    )
    # Resident insurance (城乡居民医保)
    resident_collection_opens = models.CharField(
        _("居民医保集中征缴开始（MM-DD）"),
        max_length=5,
        default="09-01",
        validators=[month_day_validator],
    )
    resident_collection_closes = models.CharField(
        _("居民医保集中征缴结束（MM-DD）"),
        max_length=5,
        default="12-31",
        validators=[month_day_validator],
    )
    resident_refund_review_days = models.PositiveSmallIntegerField(
        _("居民退费审核时限（工作日）"), default=20
    )

    class Meta:
        verbose_name = _("统筹区政策")
        verbose_name_plural = _("统筹区政策")

    def __str__(self) -> str:
        return str(self.region)


class ResidentPremiumRate(models.Model):
    """居民医保个人缴费标准: what one resident pays for a benefit year in a region (policy)."""

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="premium_rates", verbose_name=_("统筹区")
    )
    year = models.PositiveSmallIntegerField(
        _("待遇年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    amount_fen = models.BigIntegerField(_("个人缴费标准（分）"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["region", "-year"]
        verbose_name = _("居民医保缴费标准")
        verbose_name_plural = _("居民医保缴费标准")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="premium_rate_once_per_year"),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="premium_rate_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"

    @property
    def amount(self) -> Decimal:
        return fen_to_yuan(self.amount_fen)


class DesignatedInstitution(models.Model):
    """定点医药机构: a hospital or pharmacy that settles bills; its service user is its token."""

    code = models.CharField(
        _("机构编码"),
        max_length=30,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Za-z-]{1,30}$", _("机构编码只能包含字母、数字和-。"))],
    )
    name = models.CharField(_("机构名称"), max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在统筹区")
    )
    service_user = models.OneToOneField(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="institution",
        verbose_name=_("结算服务账号"),
        help_text=_("由 create_service_token --scope settlement 设置。"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("定点医药机构")
        verbose_name_plural = _("定点医药机构")
        permissions = [("settle_payments", _("通过接口结算医保钱包支付"))]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class User(AbstractUser):
    """One login for every kind of user; persons and employers link to it."""

    class Kind(models.TextChoices):
        PERSON = "PERSON", _("参保人")
        EMPLOYER = "EMPLOYER", _("参保单位")
        STAFF = "STAFF", _("经办人员")
        SERVICE = "SERVICE", _("对接系统")

    kind = models.CharField(_("用户类型"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="staff_users",
        verbose_name=_("负责统筹区"),
        help_text=_("经办人员只能查看和办理这些统筹区的业务。"),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [
            ("view_full_national_id", _("查看完整身份证号码")),
            ("submit_feed", _("通过接口报送数据")),
        ]


class InsuredPerson(models.Model):
    """参保人."""

    national_id = models.CharField(
        _("公民身份号码"), max_length=18, unique=True, validators=[validate_national_id]
    )
    name = models.CharField(_("姓名"), max_length=50, validators=[validate_name])
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # Wallet transfers out wait 24 hours after a phone change (account-takeover guard).
    phone_changed_at = models.DateTimeField(_("手机号变更时间"), null=True, blank=True)
    birth_date = models.DateField(
        _("出生日期"), null=True, blank=True, validators=[validate_date_in_range]
    )
    retired = models.BooleanField(_("退休"), default=False)
    pension = models.DecimalField(_("养老金（元/月）"), **MONEY, null=True, blank=True)
    # The retiree credit starts the month after it (SPEC §3).
    retired_at = models.DateField(
        _("退休日期"), null=True, blank=True, validators=[validate_date_in_range]
    )
    died_at = models.DateField(
        _("死亡日期"), null=True, blank=True, validators=[validate_date_in_range]
    )
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("登录账号"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("参保人")
        verbose_name_plural = _("参保人")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pension__isnull=True) | models.Q(pension__gte=0),
                name="person_pension_not_negative",
            ),
            date_in_range_constraint(
                "birth_date", name="person_birth_date_in_range", datetime=False
            ),
            date_in_range_constraint("died_at", name="person_died_at_in_range", datetime=False),
            date_in_range_constraint(
                "retired_at", name="person_retired_at_in_range", datetime=False
            ),
        ]
        # The monthly credit reads retirees (about a tenth), their birth dates, pensions and
        # retirement dates from this index alone, without visiting everybody's rows.
        indexes = [
            models.Index(
                fields=["id", "birth_date"],
                include=["pension", "retired_at"],
                condition=models.Q(retired=True),
                name="person_retired_credit_inputs",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.masked_national_id}"

    @property
    def masked_national_id(self) -> str:
        return mask_national_id(self.national_id)


class PersonRegion(models.Model):
    """A region where a person is known (enrolled there, an account there, transferred in).

    The core scopes persons by it for region staff without knowing the apps that put a
    person in a region: they call `person_regions_link`. A person stays known where they
    once were (their history is there).
    """

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        related_name="region_links",
        verbose_name=_("参保人"),
        db_index=False,  # the unique (person, region) index leads with it
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("统筹区")
    )

    class Meta:
        verbose_name = _("参保人所在统筹区")
        verbose_name_plural = _("参保人所在统筹区")
        constraints = [
            models.UniqueConstraint(fields=["person", "region"], name="person_region_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.region_id}"


class Employer(models.Model):
    """参保单位, known by its 统一社会信用代码."""

    code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField(_("单位名称"), max_length=100, validators=[validate_name])
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="employers", verbose_name=_("统筹区")
    )
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employer",
        verbose_name=_("登录账号"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("参保单位")
        verbose_name_plural = _("参保单位")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


class LedgerAccount(models.Model):
    """One account of the double-entry ledger; its balance is a cache rebuilt from postings.

    Ledger money is integer fen (分) so SQL arithmetic is exact on every database.
    """

    class Kind(models.TextChoices):
        PERSON_CURRENT = "PERSON_CURRENT", _("个人账户（当年）")
        PERSON_CARRIED = "PERSON_CARRIED", _("个人账户（历年）")
        WALLET = "WALLET", _("医保钱包")
        WALLET_HOLDING = "WALLET_HOLDING", _("钱包转账在途")
        TRANSFER_TRANSIT = "TRANSFER_TRANSIT", _("转移接续在途")
        REGION_FUND = "REGION_FUND", _("统筹区医保基金")
        EMPLOYER_PENDING = "EMPLOYER_PENDING", _("单位待转账户")
        EXTERNAL = "EXTERNAL", _("外部往来（银行、税务）")

    # Counterparty accounts may run negative: they mirror money outside the persons' accounts.
    MAY_BE_NEGATIVE = (Kind.REGION_FUND, Kind.EXTERNAL)

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
        verbose_name=_("参保人"),
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
        verbose_name=_("参保单位"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
        verbose_name=_("统筹区"),
    )
    code = models.CharField(
        _("外部账户代码"),
        max_length=40,
        blank=True,
        help_text=_("外部往来账户的名称，例如 TAX、BANK。"),
    )
    balance_fen = models.BigIntegerField(_("余额（分）"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("账务账户")
        verbose_name_plural = _("账务账户")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["REGION_FUND", "EXTERNAL"])
                | models.Q(balance_fen__gte=0),
                name="ledger_account_balance_not_negative",
            ),
            # Wallets: one per person. Personal-account parts: one per PersonalAccount.
            models.UniqueConstraint(
                fields=["kind", "person"],
                condition=models.Q(person__isnull=False)
                & ~models.Q(kind__in=["PERSON_CURRENT", "PERSON_CARRIED"]),
                name="ledger_account_one_per_person_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "employer"],
                condition=models.Q(employer__isnull=False),
                name="ledger_account_one_per_employer_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "region", "code"],
                condition=models.Q(person__isnull=True, employer__isnull=True),
                name="ledger_account_one_per_region_kind_code",
            ),
        ]

    def __str__(self) -> str:
        owner = self.person or self.employer or self.region or self.code
        return f"{self.get_kind_display()} {owner}"

    @property
    def balance(self) -> Decimal:
        return fen_to_yuan(self.balance_fen)


class PostingKind(models.TextChoices):
    """The business name of every posting kind the apps write: the one place statements, the
    API and the admin take it from (the code stays in `Posting.kind`)."""

    CREDIT_IN_SERVICE = "CREDIT_IN_SERVICE", _("月度划入（在职）")
    CREDIT_RETIREE = "CREDIT_RETIREE", _("月度划入（退休）")
    CARRY_OVER = "CARRY_OVER", _("年度结转")
    ACCOUNT_MERGE = "ACCOUNT_MERGE", _("账户合并")
    ACCOUNT_UNMERGE = "ACCOUNT_UNMERGE", _("撤销账户合并")
    ACCOUNT_MERGE_CLAIM = "ACCOUNT_MERGE_CLAIM", _("合并账户划入追回")
    WALLET_TRANSFER_SEND = "WALLET_TRANSFER_SEND", _("家庭共济转出")
    WALLET_TRANSFER_ACCEPT = "WALLET_TRANSFER_ACCEPT", _("家庭共济转入")
    WALLET_TRANSFER_RETURN = "WALLET_TRANSFER_RETURN", _("家庭共济退回")
    WALLET_PREMIUM = "WALLET_PREMIUM", _("代缴居民医保费")
    WALLET_MEDICAL = "WALLET_MEDICAL", _("医药费用支付")
    TRANSFER = "TRANSFER", _("转移接续")
    REFUND_BATCH = "REFUND_BATCH", _("差额退费")
    CLEARANCE = "CLEARANCE", _("待转金额退回单位")
    RESIDENT_REFUND = "RESIDENT_REFUND", _("居民医保退费")
    DEMO_BALANCE = "DEMO_BALANCE", _("演示数据余额")

    @classmethod
    def name_of(cls, code: str) -> str:
        """The business name; a code no app declared here shows as itself."""
        return str(cls(code).label) if code in cls.values else code


class Posting(models.Model):
    """An immutable transfer of `amount` from one ledger account to another."""

    # Indexed with the time below (statements read an account's newest postings first).
    from_account = models.ForeignKey(
        LedgerAccount,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="outgoing_postings",
        verbose_name=_("转出账户"),
    )
    to_account = models.ForeignKey(
        LedgerAccount,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="incoming_postings",
        verbose_name=_("转入账户"),
    )
    amount_fen = models.BigIntegerField(_("金额（分）"))
    kind = models.CharField(_("业务类型"), max_length=30)
    period = models.CharField(_("做账期号"), max_length=6, blank=True)
    reference = models.CharField(_("业务参考"), max_length=100, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=120)
    created_at = models.DateTimeField(_("记账时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("记账分录")
        verbose_name_plural = _("记账分录")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="posting_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_account=models.F("to_account")),
                name="posting_between_two_accounts",
            ),
            # A constraint rather than unique=True: the same unique index without the
            # varchar_pattern_ops copy Django adds for LIKE, which nothing runs on this key.
            models.UniqueConstraint(fields=["idempotency_key"], name="posting_idempotency_key"),
        ]
        # A statement page is one range scan per account and direction, newest first.
        indexes = [
            models.Index(fields=["from_account", "created_at", "id"], name="posting_from_time"),
            models.Index(fields=["to_account", "created_at", "id"], name="posting_to_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.idempotency_key})"

    @property
    def amount(self) -> Decimal:
        return fen_to_yuan(self.amount_fen)

    @property
    def kind_name(self) -> str:
        return PostingKind.name_of(self.kind)


period_validator = RegexValidator(r"^(19|20)\d\d(0[1-9]|1[0-2])$", _("做账期号格式为 YYYYMM。"))

# Values migrated from the undated policy hold from here on: before any period the system keeps.
POLICY_EARLIEST_PERIOD = "190001"


class RegionPolicyVersion(models.Model):
    """The region's rates, contribution band and retiree credit in force from a period on.

    Work about a period (its contributions, credits, refunds) uses the version with the
    greatest `valid_from_period` not after it. Versions are only added: history is kept.
    """

    class RetireeCreditRule(models.TextChoices):
        FIXED = "FIXED", _("定额划入")
        PENSION_PERCENT = "PENSION_PERCENT", _("按平均养老金比例划入")
        OWN_PENSION_PERCENT = "OWN_PENSION_PERCENT", _("按本人养老金比例划入（封顶）")

    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        related_name="policy_versions",
        verbose_name=_("统筹区"),
    )
    valid_from_period = models.CharField(_("起始期号"), max_length=6, validators=[period_validator])
    # Contributions (缴费)
    average_wage = models.DecimalField(_("社会平均工资（月）"), **MONEY, default=Decimal("7000.00"))
    base_floor_percent = models.DecimalField(
        _("缴费基数下限（社平工资%）"), max_digits=5, decimal_places=2, default=Decimal("60")
    )
    base_ceiling_percent = models.DecimalField(
        _("缴费基数上限（社平工资%）"), max_digits=5, decimal_places=2, default=Decimal("300")
    )
    employer_rate = models.DecimalField(_("单位缴费费率"), **RATE, default=Decimal("0.0800"))
    individual_rate = models.DecimalField(_("个人缴费费率"), **RATE, default=Decimal("0.0200"))
    credit_extra_rate = models.DecimalField(
        _("个人账户额外划入比例（缴费基数）"),
        **RATE,
        default=Decimal("0"),
        help_text=_("在职职工除个人缴费外，政策另行划入的比例。"),
    )
    # Retirees' monthly credit (退休人员每月划入)
    retiree_credit_rule = models.CharField(
        _("退休人员划入规则"),
        max_length=20,
        choices=RetireeCreditRule.choices,
        default=RetireeCreditRule.FIXED,
    )
    retiree_age_threshold = models.PositiveSmallIntegerField(_("年龄分档（岁）"), default=70)
    retiree_amount_below = models.DecimalField(
        _("定额：分档年龄以下（元/月）"), **MONEY, default=Decimal("85.00")
    )
    retiree_amount_from = models.DecimalField(
        _("定额：分档年龄及以上（元/月）"), **MONEY, default=Decimal("85.00")
    )
    average_pension = models.DecimalField(
        _("统筹区平均养老金（元/月）"), **MONEY, default=Decimal("3500.00")
    )
    retiree_percent_below = models.DecimalField(
        _("比例：分档年龄以下"), **RATE, default=Decimal("0.0200")
    )
    retiree_percent_from = models.DecimalField(
        _("比例：分档年龄及以上"), **RATE, default=Decimal("0.0250")
    )
    retiree_pension_percent = models.DecimalField(
        _("本人养老金划入比例"), **RATE, default=Decimal("0")
    )
    retiree_pension_cap = models.DecimalField(
        _("本人养老金划入封顶（元/月）"),
        **MONEY,
        null=True,
        blank=True,
        help_text=_("留空表示不封顶。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("统筹区政策版本")
        verbose_name_plural = _("统筹区政策版本")
        ordering = ["region", "-valid_from_period"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "valid_from_period"], name="policy_version_region_period"
            ),
            models.CheckConstraint(
                condition=models.Q(base_floor_percent__lte=models.F("base_ceiling_percent")),
                name="policy_version_base_floor_below_ceiling",
            ),
            models.CheckConstraint(
                condition=models.Q(retiree_pension_cap__isnull=True)
                | models.Q(retiree_pension_cap__gte=0),
                name="policy_version_pension_cap_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.valid_from_period}"


class PersonalAccount(models.Model):
    """个人账户 of one person in one region (one 个人编号): a current-year and a carried-over part.

    The money is the person's: never reset, only moved by postings.
    """

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("正常")
        FROZEN = "FROZEN", _("封存")
        CLOSED = "CLOSED", _("已注销")

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="personal_accounts",
        verbose_name=_("参保人"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="personal_accounts", verbose_name=_("统筹区")
    )
    record_id = models.CharField(_("个人编号"), max_length=40, blank=True, default="")
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    status_reason = models.CharField(_("状态原因"), max_length=200, blank=True)
    current = models.OneToOneField(
        LedgerAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("当年账户")
    )
    carried = models.OneToOneField(
        LedgerAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("历年账户")
    )
    opened_period = models.CharField(
        _("开户期号"),
        max_length=6,
        validators=[period_validator],
        help_text=_("退休人员从此期起按月划入。"),
    )
    opened_at = models.DateTimeField(_("开户时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("个人账户")
        verbose_name_plural = _("个人账户")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "region", "record_id"], name="personal_account_unique_record"
            ),
        ]
        indexes = [models.Index(fields=["region", "status"], name="personal_account_region")]

    def __str__(self) -> str:
        return f"{self.person} {self.region_id}"

    @property
    def balance(self) -> Decimal:
        return fen_to_yuan(self.current.balance_fen + self.carried.balance_fen)

    @property
    def available(self) -> Decimal:
        """封存 accounts keep their balance but nothing is available to spend or send."""
        return self.balance if self.status == self.Status.ACTIVE else Decimal("0.00")


class Contribution(models.Model):
    """缴费记录 for one person, region and period; shares follow the region policy."""

    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("个人账户"),
    )
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("参保人"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="contributions", verbose_name=_("统筹区")
    )
    period = models.CharField(_("费款所属期"), max_length=6, validators=[period_validator])
    reported_base_fen = models.BigIntegerField(_("申报缴费基数（分）"))
    base_fen = models.BigIntegerField(_("核定缴费基数（分）"))
    employer_share_fen = models.BigIntegerField(_("单位缴费（分）"))
    individual_share_fen = models.BigIntegerField(_("个人缴费（分）"))
    credit_fen = models.BigIntegerField(_("应划入个人账户（分）"))
    paid_at = models.DateTimeField(
        _("到账时间"), null=True, blank=True, validators=[validate_date_in_range]
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("缴费记录")
        verbose_name_plural = _("缴费记录")
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "region", "period"], name="contribution_once_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    base_fen__gt=0,
                    employer_share_fen__gte=0,
                    individual_share_fen__gte=0,
                    credit_fen__gte=0,
                ),
                name="contribution_amounts_not_negative",
            ),
            date_in_range_constraint(
                "paid_at", name="contribution_paid_at_in_range", datetime=True
            ),
        ]
        indexes = [
            models.Index(fields=["region", "period", "account"], name="contribution_credit_scan"),
            models.Index(fields=["account", "period"], name="contribution_account_period"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.region_id} {self.period}"


class AccountingPeriod(models.Model):
    """做账期号 of a region: OPEN → ASSESSED (核定) → CLOSED.

    Only an OPEN period takes business that changes it (人员增减, 转退休, 补退收, 转移接续);
    from assessment on, such business waits. Credits need an assessed (or closed) period.
    """

    class Status(models.TextChoices):
        OPEN = "OPEN", _("未核定")
        ASSESSED = "ASSESSED", _("已核定")
        CLOSED = "CLOSED", _("已结账")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="periods", verbose_name=_("统筹区")
    )
    period = models.CharField(_("做账期号"), max_length=6, validators=[period_validator])
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    assessed_at = models.DateTimeField(_("核定时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结账时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("做账期号")
        verbose_name_plural = _("做账期号")
        ordering = ["region_id", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["region", "period"], name="period_once_per_region"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.period} {self.get_status_display()}"


class MonthlyCreditRun(models.Model):
    """One run of the monthly credit job (每月划入) for one region: progress and outcome.

    The credits themselves are postings keyed `credit:c<contribution>` or
    `credit:<account>:<period>` (retirees): the unique
    idempotency key is what makes each period's credit land exactly once.
    """

    class Status(models.TextChoices):
        RUNNING = "RUNNING", _("运行中")
        SUCCEEDED = "SUCCEEDED", _("已完成")
        FAILED = "FAILED", _("失败")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="credit_runs", verbose_name=_("统筹区")
    )
    periods = models.JSONField(_("期号"), default=list)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    triggered_by = models.CharField(_("触发方式"), max_length=100, blank=True)
    started_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
        help_text=_("在管理后台发起此任务的经办人员；定时任务和命令行为空。"),
    )
    chunks_total = models.PositiveIntegerField(_("批次总数"), default=0)
    chunks_done = models.PositiveIntegerField(_("已完成批次"), default=0)
    credited_count = models.PositiveIntegerField(_("划入笔数"), default=0)
    retiree_count = models.PositiveIntegerField(_("其中退休人员"), default=0)
    credited_fen = models.BigIntegerField(_("划入总额（分）"), default=0)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    # PostgreSQL snapshot the run started from, before reading anything (none inside an outer
    # transaction); once the run succeeded, later runs skip if nothing changed since.
    inputs_snapshot = models.TextField(_("起始快照"), blank=True, editable=False)

    class Meta:
        verbose_name = _("每月划入任务")
        verbose_name_plural = _("每月划入任务")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.periods} {self.get_status_display()}"

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None

    @property
    def credited_amount(self) -> Decimal:
        return fen_to_yuan(self.credited_fen)


class Notification(models.Model):
    """A message to a person or an employer: a notice shown on their portal home page, or a
    one-time code (kind CODE) that goes by SMS only.

    Notices are recorded by `notification_send` in the caller's transaction; the sender
    (`accounts.messaging`) gets them after the commit. The default sender keeps what it sends
    in the outbox (`in_outbox`, printed by `manage.py outbox`); codes are stored only there,
    never recorded for a real gateway, so no code is kept in clear.
    """

    class Kind(models.TextChoices):
        CODE = "CODE", _("验证码")
        ACCOUNT = "ACCOUNT", _("账户安全")
        ENROLLMENT = "ENROLLMENT", _("参保登记")
        WALLET = "WALLET", _("医保钱包")
        TRANSFER = "TRANSFER", _("转移接续")
        REFUND = "REFUND", _("退费")

    # Kinds that go by SMS only and never clutter the portal.
    SMS_ONLY = frozenset({Kind.CODE})

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接收人"),
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接收单位"),
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.CODE)
    text = models.CharField(_("内容"), max_length=300)
    link = models.CharField(_("门户链接"), max_length=200, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    reference = models.CharField(_("业务参考"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    in_outbox = models.BooleanField(_("在发件箱"), default=False)

    class Meta:
        verbose_name = _("消息通知")
        verbose_name_plural = _("消息通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, employer__isnull=True)
                | models.Q(person__isnull=True, employer__isnull=False),
                name="notification_one_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "-created_at"], name="notification_person_idx"),
            models.Index(fields=["employer", "-created_at"], name="notification_employer_idx"),
        ]

    def __str__(self) -> str:
        who = mask_national_id(self.person.national_id) if self.person_id else self.employer.code
        return f"{who} {self.created_at:%Y-%m-%d %H:%M}"


class PendingVerification(models.Model):
    """Business waiting for a one-time code sent to the phone on file: a registration
    (the hashed password waits here) or a person's phone change (the new phone waits here).

    One per purpose and owner: a new request replaces the code of the older one, but the
    count of codes sent in the current day stays (a cap per owner per day).
    """

    class Purpose(models.TextChoices):
        REGISTRATION = "REGISTRATION", _("实名注册")
        PHONE_CHANGE = "PHONE_CHANGE", _("变更手机号")

    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("参保人"),
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("参保单位"),
    )
    password = models.CharField(_("密码（已加密）"), max_length=128, blank=True)
    new_phone = models.CharField(_("新手机号"), max_length=20, blank=True)
    # The browser session that asked (portal): only that session can confirm, so a code sent
    # for someone else's later request cannot finish it. Empty for API requests.
    client_key = models.CharField(_("申请端标识"), max_length=64, blank=True)
    code_digest = models.CharField(_("验证码摘要"), max_length=100, blank=True)
    expires_at = models.DateTimeField(_("验证码失效时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    # Asked again while another request's code was still live: someone else may have asked,
    # so the code alone no longer shows who is confirming (see registration's confirm).
    contested = models.BooleanField(_("存在并发申请"), default=False)
    codes_sent = models.PositiveSmallIntegerField(_("当日发送次数"), default=0)
    window_started_at = models.DateTimeField(_("计数开始时间"))
    created_at = models.DateTimeField(_("申请时间"))

    class Meta:
        verbose_name = _("待验证申请")
        verbose_name_plural = _("待验证申请")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, employer__isnull=True)
                | models.Q(person__isnull=True, employer__isnull=False),
                name="pending_verification_one_owner",
            ),
            models.UniqueConstraint(
                fields=["purpose", "person"],
                condition=models.Q(person__isnull=False),
                name="pending_verification_one_per_person",
            ),
            models.UniqueConstraint(
                fields=["purpose", "employer"],
                condition=models.Q(employer__isnull=False),
                name="pending_verification_one_per_employer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.person or self.employer}"


class AuditEvent(models.Model):
    """A state change of the domain made by a service: who, what, before, after, why."""

    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("操作"), max_length=40)
    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.BigIntegerField(_("对象编号"))
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("业务操作记录")
        verbose_name_plural = _("业务操作记录")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_event_object")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


# Working-day calendar (工作日, SPEC §1) ---------------------------------------------------


class CalendarDay(models.Model):
    """A day the State Council's schedule (or a region's own) makes a rest or a working day.

    Without a row, Monday–Friday are working days and Saturday–Sunday rest days. A national
    row (no region) applies everywhere; a region's row applies to that region only and wins
    over a national row of the same date. Read through `accounts.working_days`.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "HOLIDAY", _("放假")
        WORKDAY = "WORKDAY", _("调休上班")

    date = models.DateField(_("日期"), validators=[validate_date_in_range])
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, validators=[validate_name])
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("统筹区"),
        help_text=_("留空为全国统一安排；填写则只适用于该统筹区。"),
    )

    class Meta:
        ordering = ["-date", "region_id"]
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        constraints = [
            # NULLs are distinct in a plain unique constraint: the national day needs its own.
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(region__isnull=True),
                name="calendar_day_once_nationally",
                violation_error_message=_("该日期已有全国统一安排。"),
            ),
            models.UniqueConstraint(
                fields=["date", "region"],
                condition=models.Q(region__isnull=False),
                name="calendar_day_once_per_region",
                violation_error_message=_("该统筹区在该日期已有安排。"),
            ),
            date_in_range_constraint("date", name="calendar_day_date_in_range", datetime=False),
        ]

    def __str__(self) -> str:
        where = self.region_id or _("全国")
        return f"{self.date} {self.get_kind_display()} {self.name}（{where}）"
