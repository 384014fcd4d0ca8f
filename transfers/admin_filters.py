"""The transfer list filter the workbench links to: what waits for the staff member's side."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .selectors import waiting_for_staff


class WaitingForMeFilter(admin.SimpleListFilter):
    MINE = "mine"
    title = _("待我办理")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [(self.MINE, _("待本统筹区办理的步骤"))]

    def queryset(self, request, queryset):
        if self.value() == self.MINE:
            return waiting_for_staff(queryset, user=request.user)
        return queryset
