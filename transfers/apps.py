from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "transfers"
    verbose_name = _("转移接续")

    def ready(self) -> None:
        from accounts.home import todo_source_register
        from accounts.hooks import posting_details_requested
        from accounts.models import InsuredPerson
        from accounts.workbench import workbench_source_register

        from . import home, receivers
        from .workbench import transfers_to_handle

        todo_source_register(uid="transfers", owner=InsuredPerson, source=home.person_todos)
        workbench_source_register(key="transfers", source=transfers_to_handle, order=10)
        # Statements ask what a 转移接续 posting was for; the core cannot read applications.
        posting_details_requested.connect(
            receivers.posting_details, dispatch_uid="transfers.posting_details"
        )
