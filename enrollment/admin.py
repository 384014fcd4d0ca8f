from django.contrib import admin

from accounts.admin_scoping import RegionScopedAdmin

from .models import DuplicateCase, Enrollment


@admin.register(Enrollment)
class EnrollmentAdmin(RegionScopedAdmin):
    list_display = ("person", "region", "scheme", "record_id", "status", "last_paid_at")
    list_filter = ("status", "scheme", "region")
    list_select_related = ("person", "region")
    search_fields = ("=person__national_id", "person__name", "=record_id")
    raw_id_fields = ("person", "employer")


@admin.register(DuplicateCase)
class DuplicateCaseAdmin(RegionScopedAdmin):
    list_display = ("person", "rule", "status", "region", "created_at")
    list_filter = ("rule", "status", "region")
    list_select_related = ("person", "region")
    raw_id_fields = ("person", "kept", "decided_by")
    filter_horizontal = ("suspended",)
