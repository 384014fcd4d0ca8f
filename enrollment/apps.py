from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enrollment"
    verbose_name = _("参保登记")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.db.models.signals import post_save

        from . import models, receivers, signals  # noqa: F401 -- receivers connect on import

        post_save.connect(
            signals.enrollment_saved,
            sender=models.Enrollment,
            dispatch_uid="enrollment.enrollment_saved",
        )
        auditlog.register(models.Enrollment)
        auditlog.register(models.DuplicateCase)
        auditlog.register(models.EmergencyRestore)

        from accounts.workbench import workbench_source_register

        from .workbench import account_merges_waiting, name_checks_open, suspended_records

        workbench_source_register(key="name_checks", source=name_checks_open, order=40)
        workbench_source_register(key="account_merges", source=account_merges_waiting, order=50)
        workbench_source_register(key="suspended_records", source=suspended_records, order=60)
