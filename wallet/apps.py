from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wallet"
    verbose_name = _("医保钱包")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from enrollment.signals import enrollments_changed

        from . import receivers

        # A lazy sender: the wallet reacts to enrollment changes without enrollment knowing.
        post_save.connect(
            receivers.enrollment_saved,
            sender="enrollment.Enrollment",
            dispatch_uid="wallet.enrollment_saved",
        )
        enrollments_changed.connect(
            receivers.enrollments_changed, dispatch_uid="wallet.enrollments_changed"
        )
