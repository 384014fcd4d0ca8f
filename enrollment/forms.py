from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import NameFormField


class NameReportForm(forms.Form):
    """The right name of a name check: one of the case's two names, or a new one with a reason
    (the service refuses a new name without one)."""

    name = NameFormField(label=_("正确姓名"), max_length=50)
    reason = forms.CharField(
        label=_("原因"),
        max_length=200,
        required=False,
        help_text=_("报送新的姓名时必填，例如：以居民身份证上的姓名为准。"),
    )
