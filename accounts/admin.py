from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .admin_scoping import RegionScopedAdmin
from .models import Employer, InsuredPerson, Region, RegionPolicy, User


class SuperuserOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(User)
class UserAdmin(SuperuserOnlyAdmin, DjangoUserAdmin):
    list_display = ("username", "first_name", "kind", "is_staff", "is_active")
    list_filter = ("kind", "is_staff", "is_active", "regions")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("经办范围"), {"fields": ("kind", "regions")}),
    )
    filter_horizontal = ("groups", "user_permissions", "regions")


class RegionPolicyInline(admin.StackedInline):
    model = RegionPolicy
    can_delete = False


@admin.register(Region)
class RegionAdmin(RegionScopedAdmin):
    region_path = "code"
    list_display = ("code", "name", "province", "wallet_enabled")
    list_filter = ("province", "wallet_enabled")
    search_fields = ("code", "name")
    inlines = [RegionPolicyInline]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("code",)


@admin.register(RegionPolicy)
class RegionPolicyAdmin(RegionScopedAdmin):
    list_display = (
        "region",
        "employer_rate",
        "individual_rate",
        "credit_day",
        "retiree_credit_rule",
        "wallet_max_transfer_amount",
    )
    list_select_related = ("region",)
    list_filter = ("retiree_credit_rule",)


@admin.register(Employer)
class EmployerAdmin(RegionScopedAdmin):
    list_display = ("code", "name", "region")
    list_filter = ("region",)
    list_select_related = ("region",)
    search_fields = ("=code", "name")
    raw_id_fields = ("user",)


@admin.register(InsuredPerson)
class InsuredPersonAdmin(RegionScopedAdmin):
    """ID numbers are masked unless the staff user may see them in full."""

    region_path = "enrollments__region"
    region_path_distinct = True
    list_filter = ("retired",)
    search_fields = ("=national_id", "name")
    raw_id_fields = ("user",)
    readonly_fields = ("masked_national_id", "created_at", "updated_at")

    @staticmethod
    def _sees_full_id(request) -> bool:
        return request.user.has_perm("accounts.view_full_national_id")

    def get_list_display(self, request):
        id_column = "national_id" if self._sees_full_id(request) else "masked_national_id"
        return ("name", id_column, "phone", "retired")

    def get_fields(self, request, obj=None):
        fields = ["name", "phone", "birth_date", "retired", "pension", "user"]
        if self._sees_full_id(request) or obj is None:
            return ["national_id", *fields]
        return ["masked_national_id", *fields, "created_at", "updated_at"]

    @admin.display(description=_("公民身份号码"))
    def masked_national_id(self, obj):
        return obj.masked_national_id
