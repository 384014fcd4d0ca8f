from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin whose `admin.site` is the second-factor site."""

    default_site = "config.admin_site.PortalAdminSite"
