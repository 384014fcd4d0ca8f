"""Staff of a batch's region review it: a summary (counts, totals, exclusions), then approve or
reject with a reason. Batches also arrive by CSV upload, checked like the API's. Resident
refunds are reviewed by staff of the premium's region: approve, ask for materials, refuse."""

import csv
import io

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_display import yuan_column
from accounts.admin_scoping import ReadOnlyAdmin
from accounts.errors import BusinessRuleViolation
from accounts.models import fen_to_yuan
from accounts.permissions import staff_regions
from accounts.uploads import private_file_response

from . import selectors
from .models import (
    Clearance,
    RefundBatch,
    RefundItem,
    ResidentPremium,
    ResidentRefund,
    ResidentRefundDocument,
    ResidentRefundEvent,
)
from .services import batches, clearances, resident

CSV_COLUMNS = ("national_id", "period", "paid_base", "corrected_base")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class RefundDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[("approve", _("通过：退费转入单位待转账户")), ("reject", _("驳回"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("驳回原因"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("驳回时必填，单位可见。"),
    )


class RefundUploadForm(forms.Form):
    reference = forms.CharField(label=_("批次编号"), max_length=64)
    region = forms.ModelChoiceField(label=_("统筹区"), queryset=None)
    employer_code = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    periods = forms.CharField(
        label=_("退费期号"), max_length=200, help_text=_("以逗号分隔，例如 202404,202405。")
    )
    file = forms.FileField(
        label=_("明细文件（CSV）"),
        help_text=_("UTF-8 编码，首行为列名：national_id,period,paid_base,corrected_base。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = staff_regions(user=user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(gettext("文件不能超过 20 MB。"))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(gettext("文件必须是 UTF-8 编码的 CSV。")) from None
        reader = csv.DictReader(io.StringIO(text))
        if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
            raise forms.ValidationError(
                gettext("首行列名必须是：%(columns)s。") % {"columns": ",".join(CSV_COLUMNS)}
            )
        return [dict(row) for row in reader]


@admin.register(RefundBatch)
class RefundBatchAdmin(ReadOnlyAdmin):
    region_path = "region"
    list_display = (
        "reference",
        "employer",
        "region",
        "status",
        "item_count",
        "excluded_count",
        "refund",
        "received_at",
        "wait_reason",
        "review_link",
    )
    list_filter = ("status", "region")
    list_select_related = ("employer", "region")
    search_fields = ("=reference", "=employer__code")
    fields = (
        "reference",
        "region",
        "employer",
        "periods",
        "status",
        "wait_reason",
        "item_count",
        "person_count",
        "excluded_count",
        "refund",
        "received_at",
        "submitted_by",
        "decided_by",
        "decided_at",
        "reason",
        "posting_key",
        "items_link",
        "review_link",
    )
    readonly_fields = fields
    change_list_template = "refunds/admin/refundbatch_change_list.html"

    refund = yuan_column("refund_fen", _("退费合计（元）"))

    @admin.display(description=_("为何等待"))
    def wait_reason(self, obj):
        return selectors.batch_wait_reason(obj) or "—"

    @admin.display(description=_("明细"))
    def items_link(self, obj):
        url = reverse("admin:refunds_refunditem_changelist") + f"?batch__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("查看明细"))

    @admin.display(description=_("审核"))
    def review_link(self, obj):
        if obj.status != RefundBatch.Status.RECEIVED:
            return "—"
        url = reverse("admin:refunds_refundbatch_review", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, gettext("审核"))

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="refunds_refundbatch_upload",
            ),
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="refunds_refundbatch_review",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_upload": request.user.has_perm("refunds.add_refundbatch"),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def _context(self, request, title: str, **values) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            **values,
        }

    def review_view(self, request, pk: int):
        """The summary before deciding: counts, totals by share, exclusions by reason."""
        if not request.user.has_perm("refunds.change_refundbatch"):
            raise PermissionDenied
        batch = get_object_or_404(
            self.get_queryset(request).select_related("employer", "region"), pk=pk
        )
        form = RefundDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    batches.refund_batch_approve(batch_id=batch.pk, by=request.user)
                else:
                    batches.refund_batch_reject(
                        batch_id=batch.pk, by=request.user, reason=form.cleaned_data["reason"]
                    )
            except BusinessRuleViolation as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(request, gettext("审核已办结。"))
                return HttpResponseRedirect(
                    reverse("admin:refunds_refundbatch_change", args=[batch.pk])
                )
        totals = {name: fen_to_yuan(getattr(batch, name)) for name in selectors.AMOUNT_FIELDS}
        context = self._context(
            request,
            gettext("退费批次审核"),
            batch=batch,
            totals=totals,
            refund=fen_to_yuan(batch.refund_fen),
            exclusions=selectors.batch_exclusions(batch=batch),
            form=form,
        )
        return TemplateResponse(request, "refunds/admin/review.html", context)

    def upload_view(self, request):
        """A CSV of items with the batch's fields, checked exactly as the API checks it."""
        if not request.user.has_perm("refunds.add_refundbatch"):
            raise PermissionDenied
        form = RefundUploadForm(request.POST or None, request.FILES or None, user=request.user)
        errors: list[tuple[str, str]] = []
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                batch = batches.refund_batch_receive(
                    reference=data["reference"],
                    region_code=data["region"].pk,
                    employer_code=data["employer_code"],
                    periods=[p.strip() for p in data["periods"].split(",") if p.strip()],
                    items=data["file"],
                    submitted_by=request.user,
                )
            except batches.BatchInvalid as invalid:
                errors = [
                    (key, msg) for key, messages in invalid.errors.items() for msg in messages
                ]
            except BusinessRuleViolation as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(request, gettext("退费批次已接收。"))
                return HttpResponseRedirect(
                    reverse("admin:refunds_refundbatch_review", args=[batch.pk])
                )
        context = self._context(
            request,
            gettext("上传退费批次"),
            form=form,
            errors=errors[:500],
            error_count=len(errors),
        )
        return TemplateResponse(request, "refunds/admin/upload.html", context)


@admin.register(RefundItem)
class RefundItemAdmin(ReadOnlyAdmin):
    region_path = "batch__region"
    list_display = (
        "batch",
        "person",
        "period",
        "paid_base_fen",
        "applied_base_fen",
        "employer_refund_fen",
        "individual_refund_fen",
        "exclusion",
    )
    list_filter = ("exclusion",)
    list_select_related = ("batch", "person")
    search_fields = ("=batch__reference", "=person__national_id")
    show_full_result_count = False


class ClearanceDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[("approve", _("通过：款项转至单位银行账户")), ("reject", _("驳回"))],
        widget=forms.RadioSelect,
    )
    reason = RefundDecisionForm.base_fields["reason"]


@admin.register(Clearance)
class ClearanceAdmin(ReadOnlyAdmin):
    """清退 requests of the staff's regions; approve or reject on the review page."""

    region_path = "employer__region"
    list_display = (
        "employer",
        "amount_fen",
        "bank_name",
        "status",
        "requested_at",
        "decided_at",
        "wait_reason",
        "review_link",
    )
    list_filter = ("status",)
    list_select_related = ("employer",)
    search_fields = ("=employer__code",)
    fields = (
        "employer",
        "amount_fen",
        "bank_name",
        "bank_account",
        "status",
        "wait_reason",
        "requested_at",
        "requested_by",
        "decided_by",
        "decided_at",
        "reason",
        "posting_key",
        "review_link",
    )
    readonly_fields = fields

    @admin.display(description=_("为何等待"))
    def wait_reason(self, obj):
        return selectors.clearance_wait_reason(obj) or "—"

    @admin.display(description=_("审核"))
    def review_link(self, obj):
        if obj.status != Clearance.Status.PENDING:
            return "—"
        url = reverse("admin:refunds_clearance_review", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, gettext("审核"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="refunds_clearance_review",
            ),
            *super().get_urls(),
        ]

    def review_view(self, request, pk: int):
        if not request.user.has_perm("refunds.change_clearance"):
            raise PermissionDenied
        clearance = get_object_or_404(self.get_queryset(request).select_related("employer"), pk=pk)
        form = ClearanceDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    clearances.clearance_approve(clearance_id=clearance.pk, by=request.user)
                else:
                    clearances.clearance_reject(
                        clearance_id=clearance.pk,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
            except BusinessRuleViolation as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(request, gettext("审核已办结。"))
                return HttpResponseRedirect(
                    reverse("admin:refunds_clearance_change", args=[clearance.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("清退申请审核"),
            "opts": self.model._meta,
            "clearance": clearance,
            "balance": fen_to_yuan(
                selectors.pending_account(employer=clearance.employer).balance_fen
            ),
            "form": form,
        }
        return TemplateResponse(request, "refunds/admin/clearance_review.html", context)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ResidentRefundDocumentInline(_ReadOnlyInline):
    model = ResidentRefundDocument
    fields = ("kind", "original_name", "uploaded_at", "download")
    readonly_fields = fields

    @admin.display(description=_("下载"))
    def download(self, obj):
        url = reverse("admin:refunds_residentrefund_document", args=[obj.refund_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("下载"))


class ResidentRefundEventInline(_ReadOnlyInline):
    model = ResidentRefundEvent
    fields = ("status", "at", "by_label", "by", "note")
    readonly_fields = fields


class ResidentRefundDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[
            ("approve", _("通过：保费退至申请人银行账户")),
            ("materials", _("材料不全：请申请人补充（办理时限暂停）")),
            ("reject", _("不予退费")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("需补充的材料或不予退费原因"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("补充材料或不予退费时必填，申请人可见。"),
    )


@admin.register(ResidentRefund)
class ResidentRefundAdmin(ReadOnlyAdmin):
    """居民医保退费 of the staff's regions: overdue first, then due soon; review page."""

    region_path = "premium__region"
    list_display = (
        "id",
        "insured",
        "type",
        "year",
        "amount",
        "status",
        "due_marker",
        "submitted_at",
        "review_link",
    )
    list_filter = ("status", "type")
    list_select_related = ("premium__person", "premium__region")
    search_fields = ("=premium__person__national_id", "=applicant__national_id")
    fields = (
        "insured",
        "applicant",
        "type",
        "by_agent",
        "year",
        "amount",
        "bank_name",
        "bank_account",
        "status",
        "submitted_at",
        "complete_on",
        "due_date",
        "materials_note",
        "decided_by",
        "decided_at",
        "reason",
        "posting_key",
        "review_link",
    )
    readonly_fields = fields
    inlines = [ResidentRefundDocumentInline, ResidentRefundEventInline]

    class Media:
        css = {"all": ("css/admin_transfers.css",)}

    def get_queryset(self, request):
        return selectors.resident_refunds_for_staff(user=request.user).select_related(
            "premium__person", "premium__region", "applicant"
        )

    def get_ordering(self, request):
        # Overdue first, then due within 3 working days, then the rest; earliest due first.
        return ["urgency", "due_date", "-submitted_at"]

    @admin.display(description=_("参保人"))
    def insured(self, obj):
        return obj.premium.person

    @admin.display(description=_("待遇年度"))
    def year(self, obj):
        return obj.premium.year

    @admin.display(description=_("退费金额（元）"))
    def amount(self, obj):
        return obj.amount

    @admin.display(description=_("办理期限"), ordering="urgency")
    def due_marker(self, obj):
        if obj.urgency == selectors.Urgency.OVERDUE:
            return format_html(
                '<strong class="due-overdue">⚠ {} {}</strong>', gettext("已逾期"), obj.due_date
            )
        if obj.urgency == selectors.Urgency.DUE_SOON:
            return format_html(
                '<strong class="due-soon">{} {}</strong>', gettext("即将到期"), obj.due_date
            )
        return obj.due_date or "—"

    @admin.display(description=_("审核"))
    def review_link(self, obj):
        if not obj.is_open:
            return "—"
        url = reverse("admin:refunds_residentrefund_review", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, gettext("审核"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/review/",
                view(self.review_view),
                name="refunds_residentrefund_review",
            ),
            path(
                "<int:pk>/document/<int:document_id>/",
                view(self.document_view),
                name="refunds_residentrefund_document",
            ),
            *super().get_urls(),
        ]

    def _visible(self, request, pk: int) -> ResidentRefund:
        """The application if this staff user may see it; another region's a 404."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def review_view(self, request, pk: int):
        """Approve, ask for missing materials or refuse: each through its service."""
        if not request.user.has_perm("refunds.change_residentrefund"):
            raise PermissionDenied
        refund = self._visible(request, pk)
        form = ResidentRefundDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
            try:
                if decision == "approve":
                    resident.resident_refund_approve(refund_id=refund.pk, by=request.user)
                elif decision == "materials":
                    resident.resident_refund_materials_request(
                        refund_id=refund.pk, by=request.user, note=note
                    )
                else:
                    resident.resident_refund_reject(
                        refund_id=refund.pk, by=request.user, reason=note
                    )
            except BusinessRuleViolation as exc:
                form.add_error("note" if exc.field in ("note", "reason") else None, exc.message)
            else:
                self.message_user(request, gettext("已办理。"))
                return HttpResponseRedirect(
                    reverse("admin:refunds_residentrefund_change", args=[refund.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("居民医保退费审核"),
            "opts": self.model._meta,
            "refund": refund,
            "documents": list(refund.documents.all()),
            "form": form,
        }
        return TemplateResponse(request, "refunds/admin/resident_review.html", context)

    def document_view(self, request, pk: int, document_id: int):
        """A material, only to staff who may see the application."""
        refund = self._visible(request, pk)
        document = get_object_or_404(refund.documents, pk=document_id)
        extension = document.file.name.rsplit(".", 1)[-1]
        return private_file_response(
            name=document.file.name,
            filename=f"resident-refund-{refund.pk}-{document.kind}.{extension}",
            content_type=document.content_type,
        )


@admin.register(ResidentPremium)
class ResidentPremiumAdmin(ReadOnlyAdmin):
    list_display = ("person", "region", "year", "amount", "source", "paid_at")
    list_filter = ("year", "source")
    list_select_related = ("person", "region")
    search_fields = ("=person__national_id",)

    @admin.display(description=_("缴费金额（元）"))
    def amount(self, obj):
        return obj.amount
