from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.identity import validate_date_in_range
from accounts.models import Employer, InsuredPerson, Region, date_in_range_constraint
from accounts.uploads import private_storage


class Scheme(models.TextChoices):
    EMPLOYEE = "EMPLOYEE", _("职工医保")
    FLEXIBLE = "FLEXIBLE", _("灵活就业")
    RESIDENT = "RESIDENT", _("城乡居民医保")


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "ACTIVE", _("正常参保")
    SUSPENDED = "SUSPENDED", _("暂停")
    STOPPED = "STOPPED", _("停保")
    MERGED = "MERGED", _("已合并")


EMPLOYEE_SCHEMES = (Scheme.EMPLOYEE, Scheme.FLEXIBLE)


class StopReason(models.TextChoices):
    """Why the source system stopped (停保) a record (API.md `stop_reason`)."""

    LEFT = "LEFT", _("离职")
    RETIRED = "RETIRED", _("退休")
    WHOLE_UNIT_TRANSFER = "WHOLE_UNIT_TRANSFER", _("整建制转移")
    DIED = "DIED", _("死亡")
    OTHER = "OTHER", _("其他")


class Enrollment(models.Model):
    """参保登记: one person in one region under one scheme (one 个人编号 of the source system)."""

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="enrollments",
        verbose_name=_("参保人"),
        db_index=False,  # the unique (person, region, scheme, record_id) index leads with it
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
    stopped_at = models.DateField(
        _("停保日期"), null=True, blank=True, validators=[validate_date_in_range]
    )
    # A database default too: bulk loaders (COPY in seed_demo and the benchmarks) name columns.
    stop_reason = models.CharField(
        _("停保原因"),
        max_length=20,
        choices=StopReason.choices,
        blank=True,
        default="",
        db_default="",
    )
    registered_at = models.DateTimeField(_("入库时间"), validators=[validate_date_in_range])
    last_paid_at = models.DateTimeField(
        _("最近缴费时间"), null=True, blank=True, validators=[validate_date_in_range]
    )
    reported_name = models.CharField(
        _("来源姓名"),
        max_length=50,
        blank=True,
        help_text=_("来源系统（报送或原系统记录）中的姓名与参保人姓名不一致时记录于此，待核实。"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("合并至"),
        db_index=False,
    )
    resolution_exempt = models.BooleanField(
        _("不参与自动去重"),
        default=False,
        help_text=_("经办人员撤销处理或紧急恢复后，自动去重不再暂停或合并此登记。"),
    )
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
            date_in_range_constraint(
                "registered_at", name="enrollment_registered_at_in_range", datetime=True
            ),
            date_in_range_constraint(
                "last_paid_at", name="enrollment_last_paid_at_in_range", datetime=True
            ),
            date_in_range_constraint(
                "stopped_at", name="enrollment_stopped_at_in_range", datetime=False
            ),
        ]
        indexes = [
            models.Index(
                fields=["person"],
                condition=~models.Q(reported_name=""),
                name="enrollment_reported_name",
            ),
            # Duplicate detection: who has more than one ACTIVE record left to resolve.
            models.Index(
                fields=["person"],
                condition=models.Q(status="ACTIVE", resolution_exempt=False),
                name="enrollment_active_to_resolve",
            ),
        ]

    def __str__(self) -> str:
        label = f"{self.person} {self.region_id} {self.get_scheme_display()}"
        return f"{label} {self.record_id}" if self.record_id else label


class EnrollmentStatusChange(models.Model):
    """One change of a record's status, stop date or employer, appended and never edited.

    A record's first row (no `status_before`) is its creation. `effective_on` is the day the
    change took effect: the registration day, the reported stop date (停保日期), otherwise the
    day it was recorded. enrollment/history.py answers "insured / employed in period P" from
    these rows.
    """

    # Written set-based by the feed and by duplicate runs (100,000s of rows in a statement),
    # from records just read or written; records are never deleted: no database check.
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.PROTECT,
        related_name="status_changes",
        verbose_name=_("参保登记"),
        db_index=False,  # enrollment_status_change_order leads with it
        db_constraint=False,
    )
    status_before = models.CharField(
        _("变更前状态"), max_length=10, choices=EnrollmentStatus.choices, blank=True
    )
    status_after = models.CharField(
        _("变更后状态"), max_length=10, choices=EnrollmentStatus.choices
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("参保单位"),
        db_index=False,
        db_constraint=False,
    )
    stopped_at = models.DateField(_("停保日期"), null=True, blank=True)
    stop_reason = models.CharField(
        _("停保原因"), max_length=20, choices=StopReason.choices, blank=True
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    effective_on = models.DateField(_("生效日期"))
    changed_at = models.DateTimeField(_("记录时间"))
    source = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("参保状态变更")
        verbose_name_plural = _("参保状态变更")
        ordering = ["enrollment_id", "changed_at", "pk"]
        indexes = [
            models.Index(
                fields=["enrollment", "changed_at"], name="enrollment_status_change_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.status_before or '-'} → {self.status_after}"


class ResolutionRun(models.Model):
    """One run of duplicate resolution (nightly, on demand, from the command or the admin)."""

    class Status(models.TextChoices):
        RUNNING = "RUNNING", _("运行中")
        SUCCEEDED = "SUCCEEDED", _("已完成")
        FAILED = "FAILED", _("失败")

    triggered_by = models.CharField(_("触发方式"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    counts = models.JSONField(_("按规则统计"), default=dict, blank=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("重复参保处理任务")
        verbose_name_plural = _("重复参保处理任务")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None


class DuplicateCase(models.Model):
    """重复参保 case: one decision about one person's enrollments, revertible by staff.

    A case belongs to the region whose records it suspended or merged: that region's staff
    see it and may revert it. `changes` keeps each touched record's state before the decision,
    so a revert restores exactly what was there.
    """

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

    class AccountsStatus(models.TextChoices):
        NONE = "", _("无需合并账户")
        PENDING = "PENDING", _("账户待合并")
        DONE = "DONE", _("账户已合并")

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="duplicate_cases",
        verbose_name=_("参保人"),
        db_index=False,  # case_person_rule_status leads with it
    )
    # No database check on region, run and (below) case: a run writes 100,000s of cases and
    # their records in a few set-based statements from rows it has just read or written, and
    # a check per row costs seconds at commit. Regions, runs and cases are never deleted.
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("统筹区"),
        db_constraint=False,
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
        db_index=False,
    )
    suspended = models.ManyToManyField(
        Enrollment,
        blank=True,
        through="CaseEnrollment",
        related_name="suspending_cases",
        verbose_name=_("暂停或合并的登记"),
    )
    reported_name = models.CharField(_("报送姓名"), max_length=50, blank=True)
    confirmed_name = models.CharField(_("核实后的姓名"), max_length=50, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
        db_index=False,
    )
    decided_by_system = models.CharField(_("处理来源"), max_length=50, blank=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    run = models.ForeignKey(
        ResolutionRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("处理任务"),
        db_constraint=False,
    )
    accounts_status = models.CharField(
        _("个人账户合并"),
        max_length=10,
        choices=AccountsStatus.choices,
        blank=True,
        default=AccountsStatus.NONE,
    )
    account_merges = models.JSONField(
        _("账户合并明细"),
        default=list,
        blank=True,
        help_text=_("每次账户合并：来源与目标账户、转移金额（分）、随迁的缴费记录。"),
    )
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
        db_index=False,
    )
    reverted_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("重复参保处理")
        verbose_name_plural = _("重复参保处理")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "rule", "status"], name="case_person_rule_status"),
            models.Index(
                fields=["accounts_status"],
                condition=models.Q(accounts_status="PENDING"),
                name="case_accounts_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.person}"


class CaseEnrollment(models.Model):
    """One record a case suspended or merged, with its state before: what a revert restores."""

    class Action(models.TextChoices):
        SUSPENDED = "SUSPENDED", _("暂停")
        MERGED = "MERGED", _("合并")

    case = models.ForeignKey(
        DuplicateCase,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("案件"),
        db_index=False,  # the unique (case, enrollment) index leads with it
        db_constraint=False,  # written with its case, in the same transaction (see the case)
    )
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="case_changes", verbose_name=_("登记")
    )
    action = models.CharField(_("处理"), max_length=10, choices=Action.choices)
    status_before = models.CharField(
        _("处理前状态"), max_length=10, choices=EnrollmentStatus.choices
    )
    status_reason_before = models.CharField(_("处理前状态原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("案件涉及的登记")
        verbose_name_plural = _("案件涉及的登记")
        constraints = [
            models.UniqueConstraint(fields=["case", "enrollment"], name="case_enrollment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.enrollment}"


class NameReport(models.Model):
    """The right name of a name-mismatch case as its employer (or the community, through staff)
    reports it. It changes nothing: staff of the case's region confirm it (rename and restore)
    or reject it with a reason, after which a new report may follow."""

    class Source(models.TextChoices):
        EMPLOYER = "EMPLOYER", _("参保单位")
        COMMUNITY = "COMMUNITY", _("社区（经办人员录入）")

    class Status(models.TextChoices):
        PENDING = "PENDING", _("待经办人员确认")
        CONFIRMED = "CONFIRMED", _("已确认")
        REJECTED = "REJECTED", _("已退回")

    case = models.ForeignKey(
        DuplicateCase,
        on_delete=models.PROTECT,
        related_name="name_reports",
        verbose_name=_("案件"),
    )
    name = models.CharField(_("报送的正确姓名"), max_length=50)
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    source = models.CharField(_("报送方"), max_length=10, choices=Source.choices)
    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报送单位"),
    )
    community = models.CharField(_("报送社区"), max_length=100, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("报送人"),
    )
    reported_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认或退回人"),
    )
    decided_at = models.DateTimeField(_("确认或退回时间"), null=True, blank=True)
    rejection_reason = models.CharField(_("退回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("姓名核实报送")
        verbose_name_plural = _("姓名核实报送")
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="PENDING"),
                name="name_report_one_pending_per_case",
            ),
            models.CheckConstraint(
                condition=~models.Q(source="EMPLOYER") | models.Q(employer__isnull=False),
                name="name_report_employer_named",
            ),
            models.CheckConstraint(
                condition=~models.Q(source="COMMUNITY") | ~models.Q(community=""),
                name="name_report_community_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"

    @property
    def source_label(self) -> str:
        return self.employer.name if self.employer_id else self.community


def _evidence_storage():
    return private_storage


class EmergencyRestore(models.Model):
    """急需就医: staff restored a suspended enrollment at once, with a reason and evidence."""

    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.PROTECT,
        related_name="emergency_restores",
        verbose_name=_("参保登记"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("统筹区")
    )
    reason = models.TextField(_("恢复原因"))
    evidence = models.FileField(
        _("证明材料"), storage=_evidence_storage, upload_to="enrollment/evidence/%Y/%m/"
    )
    evidence_name = models.CharField(_("原文件名"), max_length=200)
    evidence_type = models.CharField(_("文件类型"), max_length=50)
    evidence_size = models.PositiveIntegerField(_("文件大小（字节）"))
    status_before = models.CharField(
        _("恢复前状态"), max_length=10, choices=EnrollmentStatus.choices
    )
    status_reason_before = models.CharField(_("恢复前状态原因"), max_length=200, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("经办人"),
    )
    restored_at = models.DateTimeField(_("恢复时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("急需就医紧急恢复")
        verbose_name_plural = _("急需就医紧急恢复")
        ordering = ["-restored_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.enrollment} {self.restored_at:%Y-%m-%d}"
