"""Staff see wallet records of their own regions; every change goes through the services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import ReadOnlyAdmin
from accounts.models import fen_to_yuan

from .models import (
    FamilyBinding,
    PaymentCode,
    Wallet,
    WalletEvent,
    WalletPayment,
    WalletTransfer,
)


@admin.register(FamilyBinding)
class FamilyBindingAdmin(ReadOnlyAdmin):
    region_path = "requester_region"
    list_display = ("requester", "member", "relation", "status", "created_at", "ended_at")
    list_filter = ("status", "relation", "requester_region")
    list_select_related = ("requester", "member")
    search_fields = ("=requester__national_id", "=member__national_id")


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

    @admin.display(description=_("余额"))
    def balance(self, obj):
        return obj.account.balance


@admin.register(WalletTransfer)
class WalletTransferAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "sender",
        "recipient",
        "amount",
        "status",
        "created_at",
        "accept_deadline",
    )
    list_filter = ("status", "region")
    list_select_related = ("sender", "recipient")
    search_fields = ("=sender__national_id", "=recipient__national_id")
    exclude = ("code_digest", "idempotency_key")
    date_hierarchy = "created_at"

    @admin.display(description=_("金额"))
    def amount(self, obj):
        return fen_to_yuan(obj.amount_fen)


@admin.register(WalletPayment)
class WalletPaymentAdmin(ReadOnlyAdmin):
    list_display = ("pk", "purpose", "beneficiary", "amount", "institution_name", "created_at")
    list_filter = ("purpose", "region")
    list_select_related = ("beneficiary",)
    search_fields = ("=beneficiary__national_id", "=bill_reference")


@admin.register(PaymentCode)
class PaymentCodeAdmin(ReadOnlyAdmin):
    """Codes a person made (never the code itself): who, where, how much, used or refused why."""

    region_path = "institution__region"
    list_display = ("created_at", "person", "institution", "max_amount", "used_at", "refusal")
    list_filter = ("refusal",)
    list_select_related = ("person", "institution")
    search_fields = ("=person__national_id", "=institution__code")
    exclude = ("digest",)


@admin.register(WalletEvent)
class WalletEventAdmin(admin.ModelAdmin):
    """The wallet's audit trail; superusers only (events carry no region of their own)."""

    list_display = (
        "created_at",
        "action",
        "object_type",
        "object_id",
        "actor",
        "actor_label",
        "before",
        "after",
    )
    list_filter = ("action", "object_type")

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
