from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefundsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "refunds"
    verbose_name = _("退费")

    def ready(self):
        from accounts.home import todo_source_register
        from accounts.hooks import resident_premium_paid
        from accounts.models import InsuredPerson

        from . import home
        from .receivers import on_resident_premium_paid

        resident_premium_paid.connect(on_resident_premium_paid, dispatch_uid="refunds-premium")
        todo_source_register(uid="refunds", owner=InsuredPerson, source=home.person_todos)
