from decimal import Decimal

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin as DRFTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from . import tasks
from .admin_display import yuan_column
from .admin_identity import EmployerIdentityAdminMixin, PersonIdentityAdminMixin
from .admin_scoping import (
    ReadOnlyAdmin,
    RegionScopedAdmin,
    RegionScopedFieldsMixin,
    SuperuserOnlyAdmin,
)
from .errors import BusinessRuleViolation
from .forms import DecimalField
from .models import (
    AccountingPeriod,
    Contribution,
    DesignatedInstitution,
    Employer,
    InsuredPerson,
    MonthlyCreditRun,
    PersonalAccount,
    Posting,
    PostingKind,
    Region,
    RegionPolicy,
    RegionPolicyVersion,
    ResidentPremiumRate,
    User,
)
from .services import periods, policies
from .services.ledger import yuan_to_fen


@admin.register(User)
class UserAdmin(SuperuserOnlyAdmin, DjangoUserAdmin):
    list_display = ("username", "first_name", "kind", "is_staff", "is_active")
    list_filter = ("kind", "is_staff", "is_active", "regions")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("经办范围"), {"fields": ("kind", "regions")}),
    )
    filter_horizontal = ("groups", "user_permissions", "regions")


# An API token acts as its login (a person's token is their account): superusers only.
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(SuperuserOnlyAdmin, DRFTokenAdmin):
    pass


def _superusers_only(*labels: str) -> None:
    """Records with no region (groups and their permissions, schedules, sign-in logs, the
    admin change history with its before/after values, second-factor devices): region staff
    holding a permission on them would reach every region, so only superusers see them."""
    for label in labels:
        model = apps.get_model(label)
        registered = type(admin.site.get_model_admin(model))
        admin.site.unregister(model)
        admin.site.register(model, type(registered.__name__, (SuperuserOnlyAdmin, registered), {}))


_superusers_only(
    "auth.Group",
    "auditlog.LogEntry",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
    "django_celery_beat.PeriodicTask",
    "django_celery_beat.ClockedSchedule",
    "django_celery_beat.CrontabSchedule",
    "django_celery_beat.SolarSchedule",
    "django_celery_beat.IntervalSchedule",
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
)


class RegionPolicyInline(RegionScopedFieldsMixin, admin.StackedInline):
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            policies.region_policy_start(region=obj, actor=request.user)


@admin.register(RegionPolicy)
class RegionPolicyAdmin(RegionScopedAdmin):
    list_display = ("region", "credit_day", "wallet_max_transfer_amount")
    list_select_related = ("region",)


@admin.register(RegionPolicyVersion)
class RegionPolicyVersionAdmin(RegionScopedAdmin):
    """Staff add a version from a period on; versions are never edited or deleted, so every
    period keeps the values it was worked with (history)."""

    list_display = (
        "region",
        "valid_from_period",
        "employer_rate",
        "individual_rate",
        "average_wage",
        "retiree_credit_rule",
        "created_at",
    )
    list_select_related = ("region",)
    list_filter = ("retiree_credit_rule", "region")
    search_fields = ("=region__code", "region__name", "=valid_from_period")
    fields = ("region", "valid_from_period", *policies.POLICY_VERSION_FIELDS)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        version = policies.policy_version_add(
            region=obj.region,
            valid_from_period=obj.valid_from_period,
            values={name: getattr(obj, name) for name in policies.POLICY_VERSION_FIELDS},
            actor=request.user,
        )
        obj.pk = version.pk


@admin.register(Employer)
class EmployerAdmin(EmployerIdentityAdminMixin, RegionScopedAdmin):
    list_display = ("code", "name", "region")
    list_filter = ("region",)
    list_select_related = ("region",)
    search_fields = ("=code", "name")
    fields = ("code", "name", "region", "contact_phone", "user")
    raw_id_fields = ("user",)
    identity_fields = ("code", "name", "contact_phone", "user")


@admin.register(InsuredPerson)
class InsuredPersonAdmin(PersonIdentityAdminMixin, RegionScopedAdmin):
    """ID numbers are masked unless the staff user may see them in full; identity fields change
    through the buttons of PersonIdentityAdminMixin (a reason, an audit row)."""

    # Known in the region (enrolled, an account, transferred in): the core's own record.
    region_path = "region_links__region"
    region_path_distinct = True
    # birth_date is part of the national ID.
    identity_fields = (
        "national_id",
        "name",
        "phone",
        "phone_changed_at",
        "birth_date",
        "retired",
        "retired_at",
        "pension",
        "user",
    )
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
        fields = ["name", "phone", "birth_date", "retired", "retired_at", "pension", "user"]
        if self._sees_full_id(request) or obj is None:
            return ["national_id", *fields]
        return ["masked_national_id", *fields, "created_at", "updated_at"]

    @admin.display(description=_("公民身份号码"))
    def masked_national_id(self, obj):
        return obj.masked_national_id


@admin.register(PersonalAccount)
class PersonalAccountAdmin(ReadOnlyAdmin):
    list_display = ("person", "region", "record_id", "status", "balance", "available")
    list_filter = ("status", "region")
    list_select_related = ("person", "region", "current", "carried")
    search_fields = ("=person__national_id", "person__name", "=record_id")
    fields = (
        "person",
        "region",
        "record_id",
        "status",
        "status_reason",
        "balance",
        "available",
        "opened_period",
        "opened_at",
    )
    readonly_fields = fields

    balance = yuan_column("balance", _("余额（元）"))
    available = yuan_column("available", _("可用余额（元）"))


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = (
        "person",
        "region",
        "period",
        "base_fen",
        "employer_share_fen",
        "individual_share_fen",
        "paid_at",
    )
    list_filter = ("region", "period")
    list_select_related = ("person", "region")
    search_fields = ("=person__national_id", "=period")


@admin.register(AccountingPeriod)
class AccountingPeriodAdmin(RegionScopedAdmin):
    list_display = ("region", "period", "status", "assessed_at", "closed_at")
    list_filter = ("status", "region")
    list_select_related = ("region",)
    readonly_fields = ("status", "assessed_at", "closed_at")
    actions = ["assess", "close", "run_monthly_credit"]

    def _each(self, request, queryset, service, done_message):
        for period in queryset:
            try:
                service(period=period)
            except BusinessRuleViolation as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
            else:
                self.message_user(request, done_message % {"period": period})

    @admin.action(description=_("核定所选做账期号"), permissions=["change"])
    def assess(self, request, queryset):
        self._each(request, queryset, periods.accounting_period_assess, _("%(period)s 已核定。"))

    @admin.action(description=_("结账所选做账期号"), permissions=["change"])
    def close(self, request, queryset):
        self._each(request, queryset, periods.accounting_period_close, _("%(period)s 已结账。"))

    @admin.action(description=_("立即为所选统筹区运行每月划入"), permissions=["change"])
    def run_monthly_credit(self, request, queryset):
        staff_id = request.user.pk
        for region_code in sorted(set(queryset.values_list("region_id", flat=True))):
            transaction.on_commit(
                lambda code=region_code: tasks.run_monthly_credit.delay(
                    code, started_by_id=staff_id
                )
            )
            self.message_user(
                request,
                _("已提交 %(region)s 的每月划入任务，进度见“每月划入任务”。")
                % {"region": region_code},
            )


@admin.register(MonthlyCreditRun)
class MonthlyCreditRunAdmin(ReadOnlyAdmin):
    list_display = (
        "region",
        "periods",
        "status",
        "progress",
        "credited_count",
        "retiree_count",
        "credited_fen",
        "started_at",
        "started_by",
        "duration",
    )
    list_filter = ("status", "region")
    list_select_related = ("region", "started_by")

    @admin.display(description=_("进度"))
    def progress(self, obj):
        return f"{obj.chunks_done}/{obj.chunks_total}"

    @admin.display(description=_("耗时"))
    def duration(self, obj):
        return obj.duration


class PostingKindFilter(admin.SimpleListFilter):
    """Posting kinds by their business names (the field itself has no choices)."""

    title = _("业务类型")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return PostingKind.choices

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    region_path = "to_account__region"
    list_display = (
        "created_at",
        "kind_name",
        "period",
        "amount_fen",
        "from_account",
        "to_account",
        "idempotency_key",
    )
    list_filter = (PostingKindFilter,)
    list_select_related = ("from_account", "to_account")
    search_fields = ("=idempotency_key", "=reference")
    show_full_result_count = False
    fields = (*list_display[:-1], "reference", "idempotency_key")
    readonly_fields = fields

    @admin.display(description=_("业务类型"), ordering="kind")
    def kind_name(self, obj):
        return obj.kind_name


class ResidentPremiumRateForm(forms.ModelForm):
    """Staff enter yuan; the rate is kept in fen like all money."""

    amount = DecimalField(
        label=_("个人缴费标准（元）"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )

    class Meta:
        model = ResidentPremiumRate
        fields = ("region", "year")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["amount"].initial = self.instance.amount

    def save(self, commit=True):
        self.instance.amount_fen = yuan_to_fen(self.cleaned_data["amount"])
        return super().save(commit=commit)


@admin.register(ResidentPremiumRate)
class ResidentPremiumRateAdmin(RegionScopedAdmin):
    """居民医保个人缴费标准 per region and benefit year: what a wallet premium payment pays."""

    form = ResidentPremiumRateForm
    list_display = ("region", "year", "amount_fen")
    list_filter = ("year",)
    list_select_related = ("region",)
    search_fields = ("=region__code", "region__name")
    fields = ("region", "year", "amount")


@admin.register(DesignatedInstitution)
class DesignatedInstitutionAdmin(RegionScopedAdmin):
    """定点医药机构; the settlement token is bound by `create_service_token --scope settlement`."""

    list_display = ("code", "name", "region", "service_user")
    list_filter = ("region",)
    list_select_related = ("region", "service_user")
    search_fields = ("=code", "name")
    readonly_fields = ("service_user",)


# The working-day calendar's admin lives in its own module.
from . import admin_calendar  # noqa: E402, F401
