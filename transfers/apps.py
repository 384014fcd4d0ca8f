from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "transfers"
    verbose_name = _("转移接续")

    def ready(self) -> None:
        from accounts.home import todo_source_register
        from accounts.models import InsuredPerson

        from . import home

        todo_source_register(uid="transfers", owner=InsuredPerson, source=home.person_todos)
