from django import forms
from django.utils.translation import gettext_lazy as _

from .identity import validate_national_id
from .messaging import validate_mobile_phone


class PersonRegistrationForm(forms.Form):
    """实名注册, step 1. No phone: the code goes to the phone on file."""

    national_id = forms.CharField(
        label=_("公民身份号码"), max_length=18, validators=[validate_national_id]
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    password = forms.CharField(
        label=_("密码"), widget=forms.PasswordInput, min_length=8, max_length=128
    )
    password_confirm = forms.CharField(
        label=_("确认密码"), widget=forms.PasswordInput, max_length=128
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", _("两次输入的密码不一致。"))
        return data


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("短信验证码"),
        regex=r"^[0-9]{6}$",
        max_length=6,
        error_messages={"invalid": _("验证码为6位数字。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class PhoneChangeForm(forms.Form):
    phone = forms.CharField(label=_("新手机号"), max_length=11, validators=[validate_mobile_phone])


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=1990, max_value=2100, required=False)
