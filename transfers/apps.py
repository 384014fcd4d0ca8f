from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "transfers"
    verbose_name = _("转移接续")

    def ready(self) -> None:
        from accounts.home import todo_source_register
        from accounts.models import InsuredPerson
        from accounts.workbench import workbench_source_register

        from . import home
        from .workbench import transfers_to_handle

        todo_source_register(uid="transfers", owner=InsuredPerson, source=home.person_todos)
        workbench_source_register(key="transfers", source=transfers_to_handle, order=10)
