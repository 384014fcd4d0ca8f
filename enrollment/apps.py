from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enrollment"
    verbose_name = _("参保登记")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models, receivers  # noqa: F401 -- receivers connect on import

        auditlog.register(models.Enrollment)
        auditlog.register(models.DuplicateCase)
        auditlog.register(models.EmergencyRestore)
