from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "transfers"
    verbose_name = _("转移接续")

    def ready(self) -> None:
        from accounts.hooks import posting_details_requested

        from . import receivers

        # Statements ask what a 转移接续 posting was for; the core cannot read applications.
        posting_details_requested.connect(
            receivers.posting_details, dispatch_uid="transfers.posting_details"
        )
