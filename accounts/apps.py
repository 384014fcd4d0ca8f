from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("参保人与账户")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        for model in (
            models.Region,
            models.RegionPolicy,
            models.InsuredPerson,
            models.Employer,
            models.PersonalAccount,
            models.AccountingPeriod,
            models.ResidentPremiumRate,
            models.DesignatedInstitution,
        ):
            auditlog.register(model)
        auditlog.register(models.User, exclude_fields=["password", "last_login"])
        auditlog.register(models.CalendarDay)

        from .workbench import failed_credit_runs, periods_to_assess, workbench_source_register

        workbench_source_register(key="periods_to_assess", source=periods_to_assess, order=80)
        workbench_source_register(key="failed_credit_runs", source=failed_credit_runs, order=90)
