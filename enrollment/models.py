from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Employer, InsuredPerson, Region


class Scheme(models.TextChoices):
    EMPLOYEE = "EMPLOYEE", _("职工医保")
    FLEXIBLE = "FLEXIBLE", _("灵活就业")
    RESIDENT = "RESIDENT", _("城乡居民医保")


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "ACTIVE", _("正常参保")
    SUSPENDED = "SUSPENDED", _("暂停")
    STOPPED = "STOPPED", _("停保")


class Enrollment(models.Model):
    """参保登记: one person in one region under one scheme (one 个人编号 of the source system)."""

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="enrollments",
        verbose_name=_("参保人"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("统筹区")
    )
    scheme = models.CharField(_("险种"), max_length=10, choices=Scheme.choices)
    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollments",
        verbose_name=_("参保单位"),
    )
    record_id = models.CharField(
        _("个人编号"),
        max_length=40,
        blank=True,
        default="",
        help_text=_("来源系统的个人编号；同一人同一统筹区同一险种可有多条（待合并）。"),
    )
    status = models.CharField(
        _("参保状态"),
        max_length=10,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ACTIVE,
    )
    status_reason = models.CharField(_("状态原因"), max_length=200, blank=True)
    registered_at = models.DateTimeField(_("入库时间"))
    last_paid_at = models.DateTimeField(_("最近缴费时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("参保登记")
        verbose_name_plural = _("参保登记")
        ordering = ["person_id", "region_id", "scheme", "record_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "region", "scheme", "record_id"],
                name="enrollment_unique_record",
            ),
            models.CheckConstraint(
                condition=~models.Q(scheme="EMPLOYEE") | models.Q(employer__isnull=False),
                name="enrollment_employee_has_employer",
            ),
        ]
        indexes = [models.Index(fields=["status", "person"], name="enrollment_status_person")]

    def __str__(self) -> str:
        return f"{self.person} {self.region_id} {self.get_scheme_display()}"


class DuplicateCase(models.Model):
    """重复参保 case: one decision about one person's enrollments, revertible by staff."""

    class Rule(models.TextChoices):
        EMPLOYEE_OVER_RESIDENT = "EMPLOYEE_OVER_RESIDENT", _("职工优先于居民")
        EMPLOYEE_NEWEST = "EMPLOYEE_NEWEST", _("职工多地：保留最近缴费")
        RESIDENT_NEWEST = "RESIDENT_NEWEST", _("居民多地：保留最近缴费，同时先入库")
        SAME_REGION_MERGE = "SAME_REGION_MERGE", _("同地多条记录合并")
        NAME_MISMATCH = "NAME_MISMATCH", _("同一身份证号姓名不一致，待核实")

    class Status(models.TextChoices):
        OPEN = "OPEN", _("待核实")
        DECIDED = "DECIDED", _("已处理")
        REVERTED = "REVERTED", _("已撤销")

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="duplicate_cases",
        verbose_name=_("参保人"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("统筹区"),
    )
    rule = models.CharField(_("规则"), max_length=30, choices=Rule.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    kept = models.ForeignKey(
        Enrollment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("保留的登记"),
    )
    suspended = models.ManyToManyField(
        Enrollment, blank=True, related_name="suspending_cases", verbose_name=_("暂停的登记")
    )
    reported_name = models.CharField(_("报送姓名"), max_length=50, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_by_system = models.CharField(_("处理来源"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("重复参保处理")
        verbose_name_plural = _("重复参保处理")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.person}"
