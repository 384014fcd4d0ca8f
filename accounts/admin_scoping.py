"""Region-scoped admin: staff see and change only their regions' records."""

from django.contrib import admin

from .models import Region
from .selectors import scope_to_staff_regions, staff_regions


class RegionScopedAdmin(admin.ModelAdmin):
    region_path: str = "region"
    # Paths through a to-many relation need distinct rows.
    region_path_distinct = False

    def get_queryset(self, request):
        queryset = scope_to_staff_regions(
            queryset=super().get_queryset(request),
            user=request.user,
            region_path=self.region_path,
        )
        return queryset.distinct() if self.region_path_distinct else queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Region:
            kwargs["queryset"] = staff_regions(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
