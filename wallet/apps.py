from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wallet"
    verbose_name = _("医保钱包")

    def ready(self) -> None:
        from enrollment.signals import enrollments_changed

        from . import receivers

        # Enrollment announces its changes; the wallet listens without enrollment knowing it.
        enrollments_changed.connect(
            receivers.enrollments_changed, dispatch_uid="wallet.enrollments_changed"
        )

        from accounts.workbench import workbench_source_register

        from .workbench import guardian_reviews_to_decide

        workbench_source_register(
            key="guardian_reviews", source=guardian_reviews_to_decide, order=70
        )
