"""Staff see wallet records of their own regions; every change goes through the services."""

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
from accounts.uploads import private_file_response

from .models import (
    FamilyBinding,
    GuardianReview,
    PaymentCode,
    Wallet,
    WalletPayment,
    WalletTransfer,
)
from .selectors import guardian_review_wait_reason
from .services import family


@admin.register(FamilyBinding)
class FamilyBindingAdmin(ReadOnlyAdmin):
    region_path = "requester_region"
    list_display = ("requester", "member", "relation", "status", "created_at", "ended_at")
    list_filter = ("status", "relation", "requester_region")
    list_select_related = ("requester", "member")
    search_fields = ("=requester__national_id", "=member__national_id")


class GuardianDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[("approve", _("通过：确认监护关系")), ("reject", _("不予通过：绑定解除"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("审核意见"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不予通过时必填，申请人可见。"),
    )


@admin.register(GuardianReview)
class GuardianReviewAdmin(ReadOnlyAdmin):
    """First guardian bindings of minors: staff of the child's region check the evidence."""

    region_path = "region"
    list_display = (
        "created_at",
        "requester",
        "minor",
        "region",
        "status",
        "wait_reason",
        "evidence_link",
    )
    list_filter = ("status", "region")
    list_select_related = ("binding__requester", "binding__member", "region")
    search_fields = ("=binding__requester__national_id", "=binding__member__national_id")
    fields = (
        "binding",
        "region",
        "status",
        "wait_reason",
        "evidence_link",
        "evidence_type",
        "evidence_size",
        "created_at",
        "reviewed_by",
        "reviewed_at",
        "note",
        "decide_link",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("binding__requester", "binding__member", "region")
        )

    @admin.display(description=_("为何等待"))
    def wait_reason(self, obj):
        return guardian_review_wait_reason(obj) or "—"

    @admin.display(description=_("申请人（父母）"))
    def requester(self, obj):
        return obj.binding.requester

    @admin.display(description=_("未成年人"))
    def minor(self, obj):
        return obj.binding.member

    @admin.display(description=_("证明材料"))
    def evidence_link(self, obj):
        url = reverse("admin:wallet_guardianreview_evidence", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.evidence_name)

    @admin.display(description=_("审核"))
    def decide_link(self, obj):
        if obj.status != GuardianReview.Status.WAITING:
            return "—"
        url = reverse("admin:wallet_guardianreview_decide", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, gettext("审核"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/evidence/",
                self.admin_site.admin_view(self.evidence_view),
                name="wallet_guardianreview_evidence",
            ),
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="wallet_guardianreview_decide",
            ),
            *super().get_urls(),
        ]

    def evidence_view(self, request, pk: int):
        """The private file, only to staff of the minor's region."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        review = get_object_or_404(self.get_queryset(request), pk=pk)
        return private_file_response(
            name=review.evidence.name,
            filename=review.evidence_name,
            content_type=review.evidence_type,
        )

    def decide_view(self, request, pk: int):
        """Approve (the binding is a confirmed guardian binding) or reject with a reason."""
        if not request.user.has_perm("wallet.change_guardianreview"):
            raise PermissionDenied
        review = get_object_or_404(
            self.get_queryset(request).select_related("binding__requester", "binding__member"),
            pk=pk,
        )
        form = GuardianDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            note = form.cleaned_data["note"]
            try:
                if form.cleaned_data["decision"] == "approve":
                    family.guardian_review_approve(review_id=review.pk, by=request.user, note=note)
                else:
                    family.guardian_review_reject(review_id=review.pk, by=request.user, reason=note)
            except BusinessRuleViolation as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(request, gettext("审核已办结。"))
                return HttpResponseRedirect(
                    reverse("admin:wallet_guardianreview_change", args=[review.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("监护关系审核"),
            "opts": self.model._meta,
            "review": review,
            "form": form,
        }
        return TemplateResponse(request, "wallet/admin/guardian_review.html", context)


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    region_path = "insured_region"
    list_display = ("person", "status", "insured_region", "usage_region", "balance", "opened_at")
    list_filter = ("status", "insured_region", "usage_region")
    list_select_related = ("person", "insured_region", "usage_region", "account")
    search_fields = ("=person__national_id", "person__name")
    fields = (
        "person",
        "status",
        "insured_region",
        "usage_region",
        "balance",
        "opened_by",
        "consent_at",
        "opened_at",
    )
    readonly_fields = fields

    balance = yuan_column("account.balance_fen", _("余额（元）"))


@admin.register(WalletTransfer)
class WalletTransferAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "sender",
        "recipient",
        "amount_fen",
        "status",
        "created_at",
        "accept_deadline",
    )
    list_filter = ("status", "region")
    list_select_related = ("sender", "recipient")
    search_fields = ("=sender__national_id", "=recipient__national_id")
    exclude = ("code_digest", "idempotency_key")
    date_hierarchy = "created_at"


@admin.register(WalletPayment)
class WalletPaymentAdmin(ReadOnlyAdmin):
    list_display = ("pk", "purpose", "beneficiary", "amount_fen", "institution_name", "created_at")
    list_filter = ("purpose", "region")
    list_select_related = ("beneficiary",)
    search_fields = ("=beneficiary__national_id", "=bill_reference")


@admin.register(PaymentCode)
class PaymentCodeAdmin(ReadOnlyAdmin):
    """Codes a person made (never the code itself): who, where, how much, used or refused why."""

    region_path = "institution__region"
    list_display = ("created_at", "person", "institution", "max_amount_fen", "used_at", "refusal")
    list_filter = ("refusal",)
    list_select_related = ("person", "institution")
    search_fields = ("=person__national_id", "=institution__code")
    exclude = ("digest",)
