from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefundsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "refunds"
    verbose_name = _("退费")

    def ready(self) -> None:
        from accounts.home import todo_source_register
        from accounts.hooks import resident_premium_paid
        from accounts.models import InsuredPerson
        from accounts.workbench import workbench_source_register

        from . import home
        from .receivers import on_resident_premium_paid
        from .workbench import (
            clearances_to_review,
            refund_batches_to_review,
            resident_refunds_to_review,
        )

        resident_premium_paid.connect(on_resident_premium_paid, dispatch_uid="refunds-premium")
        todo_source_register(uid="refunds", owner=InsuredPerson, source=home.person_todos)
        workbench_source_register(key="refund_batches", source=refund_batches_to_review, order=20)
        workbench_source_register(key="clearances", source=clearances_to_review, order=30)
        workbench_source_register(
            key="resident_refunds", source=resident_refunds_to_review, order=35
        )
