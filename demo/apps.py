from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and benchmark data; sits above every other app and may import them all."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = _("演示数据")
