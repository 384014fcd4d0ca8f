from django import forms
from django.utils.translation import gettext_lazy as _


class ClearanceForm(forms.Form):
    amount = forms.DecimalField(label=_("清退金额（元）"), max_digits=14, decimal_places=2)
    bank_name = forms.CharField(label=_("开户银行"), max_length=100)
    bank_account = forms.CharField(
        label=_("银行账号"), max_length=40, help_text=_("10到30位数字。")
    )
