from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wallet"
    verbose_name = _("医保钱包")

    def ready(self) -> None:
        from accounts.home import todo_source_register
        from accounts.hooks import posting_details_requested
        from accounts.models import InsuredPerson
        from accounts.workbench import workbench_source_register
        from enrollment.signals import enrollments_changed

        from . import home, receivers
        from .workbench import guardian_reviews_to_decide

        # Enrollment announces its changes; the wallet listens without enrollment knowing it.
        enrollments_changed.connect(
            receivers.enrollments_changed, dispatch_uid="wallet.enrollments_changed"
        )
        todo_source_register(uid="wallet", owner=InsuredPerson, source=home.person_todos)
        workbench_source_register(
            key="guardian_reviews", source=guardian_reviews_to_decide, order=70
        )
        # Statements ask who is behind a transfer or a payment; the core cannot read wallets.
        posting_details_requested.connect(
            receivers.posting_details, dispatch_uid="wallet.posting_details"
        )
