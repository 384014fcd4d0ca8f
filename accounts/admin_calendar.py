"""The working-day calendar in the admin: superusers edit the national schedule; region staff
see every day (their counts depend on the national ones) and edit only their regions' own."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_scoping import RegionScopedFieldsMixin
from .models import CalendarDay

_WEEKDAYS = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))


@admin.register(CalendarDay)
class CalendarDayAdmin(RegionScopedFieldsMixin, admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "region")
    list_filter = ("kind", "region")
    list_select_related = ("region",)
    date_hierarchy = "date"
    search_fields = ("name", "=region__code", "region__name")
    fields = ("date", "kind", "name", "region")

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return _WEEKDAYS[obj.date.weekday()]

    @staticmethod
    def _may_edit(request, obj) -> bool:
        if request.user.is_superuser:
            return True
        return obj.region_id is not None and request.user.regions.filter(pk=obj.region_id).exists()

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._may_edit(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._may_edit(request, obj))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if not request.user.is_superuser and "region" in form.base_fields:
            # Region staff add only their regions' own days, never a national one.
            form.base_fields["region"].required = True
        return form
