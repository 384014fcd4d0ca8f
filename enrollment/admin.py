from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_display import format_yuan
from accounts.admin_scoping import (
    ReadOnlyAdminMixin,
    RegionScopedAdmin,
    RegionScopedFieldsMixin,
    SuperuserReadOnlyAdmin,
)
from accounts.errors import BusinessRuleViolation
from accounts.forms import NameFormField
from accounts.services.person_regions import person_region_link
from accounts.uploads import evidence_check, private_file_response

from . import tasks
from .models import (
    CaseEnrollment,
    DuplicateCase,
    EmergencyRestore,
    Enrollment,
    EnrollmentStatus,
    NameReport,
    ResolutionRun,
)
from .selectors import case_wait_reason, cases_with_wait_facts
from .services import cases, emergency, name_checks, personal_accounts, status_history


class EmergencyRestoreForm(forms.Form):
    reason = forms.CharField(
        label=_("恢复原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：住院治疗，医院出具的入院通知书。"),
    )
    evidence = forms.FileField(label=_("证明材料"), help_text=_("PDF、JPG 或 PNG，不超过 5 MB。"))

    def clean_evidence(self):
        evidence_check(self.cleaned_data.get("evidence"))
        return self.cleaned_data["evidence"]


@admin.register(Enrollment)
class EnrollmentAdmin(RegionScopedAdmin):
    list_display = (
        "person",
        "region",
        "scheme",
        "record_id",
        "status",
        "status_reason",
        "last_paid_at",
        "resolution_exempt",
    )
    list_filter = ("status", "scheme", "region", "resolution_exempt")
    list_select_related = ("person", "region")
    search_fields = ("=person__national_id", "person__name", "=record_id")
    raw_id_fields = ("person", "employer", "merged_into")
    actions = ["emergency_restore"]
    # Persons with no record in the staff's regions arrive through a transfer, not a form.
    out_of_region_messages = {
        "person": _(
            "该参保人在您负责的统筹区没有参保记录，不能在此新增登记；"
            "其他统筹区参保人的转入请通过转移接续办理。"
        ),
    }

    def save_model(self, request, obj, form, change):
        before = (
            status_history.history_fields(Enrollment.objects.get(pk=obj.pk)) if change else None
        )
        super().save_model(request, obj, form, change)
        person_region_link(person=obj.person, region=obj.region)
        if before is None or status_history.history_changed(before=before, enrollment=obj):
            status_history.status_changes_record(
                changes=[(obj, before[0] if before else "")],
                source=f"admin:{request.user.username}",
            )
        # A status or scheme changed by hand freezes or unfreezes the account at once.
        personal_accounts.personal_accounts_freeze_sync(person_ids=[obj.person_id])

    def get_urls(self):
        return [
            path(
                "<int:pk>/emergency-restore/",
                self.admin_site.admin_view(self.emergency_restore_view),
                name="enrollment_enrollment_emergency_restore",
            ),
            *super().get_urls(),
        ]

    def has_emergency_permission(self, request):
        return request.user.has_perm("enrollment.add_emergencyrestore")

    @admin.action(description=_("急需就医：紧急恢复所选的暂停登记"), permissions=["emergency"])
    def emergency_restore(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, gettext("请只选择一条暂停的参保登记。"), level=messages.WARNING
            )
            return None
        return HttpResponseRedirect(
            reverse("admin:enrollment_enrollment_emergency_restore", args=[queryset.get().pk])
        )

    def emergency_restore_view(self, request, pk: int):
        """Reason and evidence, then the record is ACTIVE again at once (audited)."""
        if not self.has_emergency_permission(request):
            raise PermissionDenied
        enrollment = get_object_or_404(self.get_queryset(request), pk=pk)
        form = EmergencyRestoreForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                emergency.enrollment_emergency_restore(
                    enrollment=enrollment,
                    reason=form.cleaned_data["reason"],
                    evidence=form.cleaned_data["evidence"],
                    by=request.user,
                )
            except BusinessRuleViolation as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(
                    request, gettext("已紧急恢复：%(record)s。") % {"record": enrollment}
                )
                return HttpResponseRedirect(
                    reverse("admin:enrollment_enrollment_change", args=[enrollment.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("急需就医紧急恢复"),
            "opts": self.model._meta,
            "enrollment": enrollment,
            "form": form,
            "suspended": enrollment.status == EnrollmentStatus.SUSPENDED,
        }
        return TemplateResponse(request, "enrollment/admin/emergency_restore.html", context)


class CaseEnrollmentInline(RegionScopedFieldsMixin, admin.TabularInline):
    model = CaseEnrollment
    extra = 0
    can_delete = False
    fields = ("enrollment", "action", "status_before", "status_reason_before")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Part of the case: whoever may see the case sees what it changed.
        return request.user.has_perm("enrollment.view_duplicatecase")


class NameReportInline(admin.TabularInline):
    model = NameReport
    extra = 0
    can_delete = False
    fields = (
        "reported_at",
        "name",
        "reason",
        "source",
        "source_label",
        "reported_by",
        "status",
        "decided_by",
        "decided_at",
        "rejection_reason",
    )
    readonly_fields = fields

    @admin.display(description=_("报送方名称"))
    def source_label(self, obj):
        return obj.source_label

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("employer", "reported_by", "decided_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("enrollment.view_duplicatecase")


class CommunityNameReportForm(forms.Form):
    """The community's report of a resident's right name, as staff record it."""

    community = forms.CharField(label=_("报送社区"), max_length=100)
    name = NameFormField(label=_("正确姓名"), max_length=50)
    reason = forms.CharField(
        label=_("原因"),
        max_length=200,
        required=False,
        help_text=_("姓名与案件中的两个姓名都不同时必填。"),
    )


class NameReportRejectForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=200)


@admin.register(DuplicateCase)
class DuplicateCaseAdmin(RegionScopedAdmin):
    """Every decision, filterable by rule, region and status; staff of the case's region may
    revert one (restoring exactly what was there); on a name case they record the community's
    report (residents) and confirm or reject the reported name."""

    list_display = (
        "id",
        "person",
        "rule",
        "status",
        "region",
        "kept",
        "changed_records",
        "decided",
        "decided_at",
        "accounts_status",
        "wait_reason",
    )
    list_filter = ("rule", "region", "status", "accounts_status")
    list_select_related = ("person", "region", "kept__person", "kept__region", "decided_by")
    search_fields = ("=person__national_id", "person__name", "=reported_name")
    readonly_fields = (
        "person",
        "region",
        "rule",
        "status",
        "wait_reason",
        "kept",
        "reported_name",
        "confirmed_name",
        "decided_by",
        "decided_by_system",
        "decided_at",
        "run",
        "accounts_status",
        "merged_amounts",
        "reverted_by",
        "reverted_at",
        "created_at",
        "name_check",
    )
    fields = readonly_fields
    inlines = [CaseEnrollmentInline, NameReportInline]
    actions = ["revert", "confirm_name", "resolve_persons_again"]
    change_list_template = "enrollment/admin/duplicatecase_change_list.html"

    def get_queryset(self, request):
        return cases_with_wait_facts(
            super()
            .get_queryset(request)
            .prefetch_related("changes__enrollment__region", "changes__enrollment__person")
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "can_run_now": self.has_change_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("暂停或合并的登记"))
    def changed_records(self, obj):
        return format_html_join(
            "",
            "<div>{} {}</div>",
            ((c.get_action_display(), c.enrollment) for c in obj.changes.all()),
        )

    @admin.display(description=_("为何等待"))
    def wait_reason(self, obj):
        return case_wait_reason(obj) or "—"

    @admin.display(description=_("账户合并明细"))
    def merged_amounts(self, obj):
        """Each merge: which account into which, and the amounts moved in yuan."""
        if not obj.account_merges:
            return "—"
        return format_html_join(
            "",
            "<div>{}</div>",
            (
                (
                    gettext(
                        "账户 %(source)s → %(target)s：当年 %(current)s 元，历年 %(carried)s 元"
                    )
                    % {
                        "source": merge["source"],
                        "target": merge["target"],
                        "current": format_yuan(merge["current_fen"]),
                        "carried": format_yuan(merge["carried_fen"]),
                    },
                )
                for merge in obj.account_merges
            ),
        )

    @admin.display(description=_("处理人"))
    def decided(self, obj):
        return obj.decided_by or obj.decided_by_system

    @admin.display(description=_("姓名核实"))
    def name_check(self, obj):
        """What the name case waits for, with the link that does it."""
        if obj.rule != DuplicateCase.Rule.NAME_MISMATCH or obj.status != DuplicateCase.Status.OPEN:
            return "—"
        pending = obj.name_reports.filter(status=NameReport.Status.PENDING).first()
        if pending is not None:
            return format_html(
                '{} <a class="button" href="{}">{}</a>',
                gettext("%(source)s报送的正确姓名为“%(name)s”。")
                % {"source": pending.source_label, "name": pending.name},
                reverse("admin:enrollment_duplicatecase_confirm_name", args=[obj.pk]),
                gettext("确认或退回"),
            )
        if obj.changes.filter(enrollment__employer__isnull=False).exists():
            return gettext("等待参保单位报送正确姓名。")
        return format_html(
            '{} <a class="button" href="{}">{}</a>',
            gettext("居民的正确姓名由社区报送，经办人员录入。"),
            reverse("admin:enrollment_duplicatecase_report_name", args=[obj.pk]),
            gettext("录入社区报送"),
        )

    def get_urls(self):
        return [
            path(
                "run-now/",
                self.admin_site.admin_view(self.run_now_view),
                name="enrollment_duplicatecase_run_now",
            ),
            path(
                "<int:pk>/report-name/",
                self.admin_site.admin_view(self.report_name_view),
                name="enrollment_duplicatecase_report_name",
            ),
            path(
                "<int:pk>/confirm-name/",
                self.admin_site.admin_view(self.confirm_name_view),
                name="enrollment_duplicatecase_confirm_name",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=_("撤销所选处理（恢复原状）"), permissions=["change"])
    def revert(self, request, queryset):
        for case in queryset:
            try:
                cases.duplicate_case_revert(case=case, by=request.user)
            except BusinessRuleViolation as exc:
                self.message_user(request, f"#{case.pk}: {exc.message}", level=messages.ERROR)
            else:
                self.message_user(request, gettext("案件 #%(id)s 已撤销。") % {"id": case.pk})

    @admin.action(description=_("确认或退回报送的姓名（姓名核实案件）"), permissions=["change"])
    def confirm_name(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, gettext("请只选择一个案件。"), level=messages.WARNING)
            return None
        return HttpResponseRedirect(
            reverse("admin:enrollment_duplicatecase_confirm_name", args=[queryset.get().pk])
        )

    @admin.action(description=_("对所选案件的参保人立即重新去重"), permissions=["change"])
    def resolve_persons_again(self, request, queryset):
        person_ids = sorted(set(queryset.values_list("person_id", flat=True)))
        transaction.on_commit(
            lambda: tasks.resolve_duplicates.delay(
                person_ids=person_ids, triggered_by=f"admin:{request.user.username}"
            )
        )
        self.message_user(
            request,
            gettext("已提交 %(count)d 名参保人的重复参保处理，结果见“重复参保处理”案件列表。")
            % {"count": len(person_ids)},
        )

    def run_now_view(self, request):
        """The whole resolution, queued now (POST only)."""
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        username = request.user.username
        transaction.on_commit(
            lambda: tasks.resolve_duplicates.delay(triggered_by=f"admin:{username}")
        )
        self.message_user(
            request, gettext("已提交重复参保处理任务，结果见“重复参保处理”案件列表。")
        )
        return HttpResponseRedirect(reverse("admin:enrollment_duplicatecase_changelist"))

    def _name_case(self, request, pk: int) -> DuplicateCase:
        case = get_object_or_404(self.get_queryset(request).select_related("person"), pk=pk)
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        return case

    def report_name_view(self, request, pk: int):
        """Staff record the community's report of a resident's right name (nothing changes)."""
        case = self._name_case(request, pk)
        try:
            name_checks.name_report_check(user=request.user, case=case)
        except BusinessRuleViolation as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:enrollment_duplicatecase_change", args=[case.pk])
            )
        form = CommunityNameReportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                name_checks.name_report_create(case=case, by=request.user, **form.cleaned_data)
            except BusinessRuleViolation as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(
                    request, gettext("已录入社区报送的姓名，请确认：案件 #%(id)s。") % {"id": pk}
                )
                return HttpResponseRedirect(
                    reverse("admin:enrollment_duplicatecase_confirm_name", args=[case.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("录入社区报送的姓名"),
            "opts": self.model._meta,
            "case": case,
            "form": form,
        }
        return TemplateResponse(request, "enrollment/admin/report_name.html", context)

    def confirm_name_view(self, request, pk: int):
        """The report awaiting staff: confirm it (rename, restore, notify) or reject it."""
        case = self._name_case(request, pk)
        try:
            report = name_checks.name_report_check_decide(user=request.user, case=case)
        except BusinessRuleViolation as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:enrollment_duplicatecase_change", args=[case.pk])
            )
        rejecting = request.method == "POST" and "reject" in request.POST
        reject_form = NameReportRejectForm(request.POST if rejecting else None)
        if request.method == "POST":
            try:
                if not rejecting:
                    name_checks.name_report_confirm(case=case, by=request.user)
                    done = gettext("姓名已确认为“%(name)s”，参保登记已恢复：案件 #%(id)s。")
                elif reject_form.is_valid():
                    name_checks.name_report_reject(
                        case=case, reason=reject_form.cleaned_data["reason"], by=request.user
                    )
                    done = gettext("已退回报送的姓名“%(name)s”：案件 #%(id)s。")
                else:
                    done = None
            except BusinessRuleViolation as exc:
                reject_form.add_error(None, exc.message)
            else:
                if done:
                    self.message_user(request, done % {"name": report.name, "id": pk})
                    return HttpResponseRedirect(
                        reverse("admin:enrollment_duplicatecase_change", args=[case.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("确认报送的姓名"),
            "opts": self.model._meta,
            "case": case,
            "report": report,
            "reject_form": reject_form,
        }
        return TemplateResponse(request, "enrollment/admin/confirm_name.html", context)


# A run decides across every region (rules 2 and 3 compare regions): its counts and errors
# are national, so superusers read runs; region staff follow the cases of their regions.
@admin.register(ResolutionRun)
class ResolutionRunAdmin(SuperuserReadOnlyAdmin):
    list_display = ("started_at", "status", "triggered_by", "cases_by_rule", "duration")
    list_filter = ("status",)
    readonly_fields = ("started_at", "finished_at", "status", "triggered_by", "counts", "error")

    @admin.display(description=_("按规则统计（案件数）"))
    def cases_by_rule(self, obj):
        labels = dict(DuplicateCase.Rule.choices)
        return format_html_join(
            "",
            "<div>{}: {}</div>",
            ((labels.get(rule, rule), n) for rule, n in (obj.counts.get("cases") or {}).items()),
        )

    @admin.display(description=_("耗时"))
    def duration(self, obj):
        return obj.duration


@admin.register(EmergencyRestore)
class EmergencyRestoreAdmin(ReadOnlyAdminMixin, RegionScopedAdmin):
    list_display = ("restored_at", "enrollment", "region", "restored_by", "reason", "evidence_link")
    list_filter = ("region",)
    list_select_related = ("enrollment__person", "enrollment__region", "region", "restored_by")
    search_fields = ("=enrollment__person__national_id", "enrollment__person__name")
    fields = (
        "enrollment",
        "region",
        "reason",
        "evidence_link",
        "evidence_type",
        "evidence_size",
        "status_before",
        "status_reason_before",
        "restored_by",
        "restored_at",
    )
    readonly_fields = fields

    @admin.display(description=_("证明材料"))
    def evidence_link(self, obj):
        url = reverse("admin:enrollment_emergencyrestore_evidence", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.evidence_name)

    def get_urls(self):
        return [
            path(
                "<int:pk>/evidence/",
                self.admin_site.admin_view(self.evidence_view),
                name="enrollment_emergencyrestore_evidence",
            ),
            *super().get_urls(),
        ]

    def evidence_view(self, request, pk: int):
        """The private file, only to staff who may see the restore (their region)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        restore = get_object_or_404(self.get_queryset(request), pk=pk)
        return private_file_response(
            name=restore.evidence.name,
            filename=restore.evidence_name,
            content_type=restore.evidence_type,
        )
