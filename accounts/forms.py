from django import forms
from django.utils.translation import gettext_lazy as _

from .identity import validate_national_id


class PersonRegistrationForm(forms.Form):
    national_id = forms.CharField(
        label=_("公民身份号码"), max_length=18, validators=[validate_national_id]
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.RegexField(
        label=_("手机号"),
        regex=r"^1\d{10}$",
        max_length=11,
        error_messages={"invalid": _("请输入11位手机号码。")},
    )
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, min_length=8)
    password_confirm = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", _("两次输入的密码不一致。"))
        return data


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=1990, max_value=2100, required=False)
