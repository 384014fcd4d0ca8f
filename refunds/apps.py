from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefundsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "refunds"
    verbose_name = _("退费")

    def ready(self) -> None:
        from accounts.workbench import workbench_source_register

        from .workbench import clearances_to_review, refund_batches_to_review

        workbench_source_register(key="refund_batches", source=refund_batches_to_review, order=20)
        workbench_source_register(key="clearances", source=clearances_to_review, order=30)
