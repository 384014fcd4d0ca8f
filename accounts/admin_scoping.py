"""Region-scoped admin: staff see and change only their regions' records.

Every related-object field (select, raw-id, autocomplete, many-to-many) offers and accepts
only what the related model's own admin shows the staff user: the admin registry is the
scoping map (persons: a record in the staff's regions; employers: their region; regions:
the staff's regions). A related model without a region-scoped admin (logins, runs) offers
nothing to region staff. Superusers keep everything. Amounts in fen show in yuan in both
kinds of admin (accounts.admin_display).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_display import MoneyInYuanMixin
from .permissions import scope_to_staff_regions

OUT_OF_REGION = _("不在您负责的统筹区范围内，或您无权选择。")


class RegionScopedFieldsMixin:
    """Related-object fields limited to the staff user's regions (ModelAdmin and inlines)."""

    # A field's own refusal message, e.g. the person of a new enrollment (转移接续).
    out_of_region_messages: dict[str, str] = {}

    def scoped_related_queryset(self, request, model):
        """What region staff may pick of `model`; None for superusers (no limit)."""
        if request.user.is_superuser:
            return None
        related_admin = (
            self.admin_site.get_model_admin(model) if self.admin_site.is_registered(model) else None
        )
        if isinstance(related_admin, RegionScopedAdmin):
            # The same rows the related admin's changelist, raw-id popup and autocomplete show.
            return related_admin.get_queryset(request)
        return model._default_manager.none()

    def _scope_related(self, db_field, request, kwargs):
        queryset = self.scoped_related_queryset(request, db_field.related_model)
        if queryset is None:
            return
        base = kwargs.get("queryset")
        kwargs["queryset"] = queryset if base is None else base.filter(pk__in=queryset.values("pk"))
        message = self.out_of_region_messages.get(db_field.name, OUT_OF_REGION)
        kwargs["error_messages"] = {
            **kwargs.get("error_messages", {}),
            "invalid_choice": message,
            "invalid_pk_value": message,
        }

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._scope_related(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._scope_related(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RegionScopedAdmin(MoneyInYuanMixin, RegionScopedFieldsMixin, admin.ModelAdmin):
    """Staff see a record if its region, or any of its regions, is theirs."""

    # The path to the record's region; a record of several regions (a transfer's out-region
    # and in-region) names each in `region_paths` instead, e.g. ("out_region", "in_region").
    region_path: str = "region"
    region_paths: tuple[str, ...] = ()
    # Paths through a to-many relation need distinct rows.
    region_path_distinct = False
    # Identity (name, phone, login link, retired flags, …) changes only through services
    # with a reason and an audit row: region staff neither edit it here nor add records
    # that carry it.
    identity_fields: tuple[str, ...] = ()

    def get_queryset(self, request):
        queryset = scope_to_staff_regions(
            queryset=super().get_queryset(request),
            user=request.user,
            region_paths=self.region_paths or (self.region_path,),
        )
        return queryset.distinct() if self.region_path_distinct else queryset

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return fields
        return fields + tuple(f for f in self.identity_fields if f not in fields)

    def has_add_permission(self, request):
        if self.identity_fields and not request.user.is_superuser:
            return False
        return super().has_add_permission(request)


class ReadOnlyAdminMixin:
    """Records written by services only (money, runs, logs): the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, RegionScopedAdmin):
    """Read-only and region-scoped."""


class SuperuserOnlyAdmin(MoneyInYuanMixin, admin.ModelAdmin):
    """Records that span every region (logins, tokens, groups, logs): superusers only."""

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


class SuperuserReadOnlyAdmin(ReadOnlyAdminMixin, SuperuserOnlyAdmin):
    """Trails with no region of their own (audit events, outbox, wallet events): superusers
    read them; nobody changes them."""
