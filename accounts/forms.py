from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .identity import (
    normalize_national_id,
    normalize_username,
    validate_name,
    validate_national_id,
)
from .messaging import validate_mobile_phone


class NationalIdFormField(forms.CharField):
    """公民身份号码 as people type it (spaces, full-width digits, a lower-case x), normalised
    and then validated; the box is wider than 18 so that spaces fit."""

    default_validators = [validate_national_id]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"maxlength": "24"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalize_national_id(super().to_python(value))


class NameFormField(forms.CharField):
    default_validators = [validate_name]


class _AsciiDigitsMixin:
    """int() and Decimal() read '１２' as 12; typed numbers are ASCII digits only."""

    def to_python(self, value):
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IntegerField(_AsciiDigitsMixin, forms.IntegerField):
    pass


class DecimalField(_AsciiDigitsMixin, forms.DecimalField):
    pass


class PortalAuthenticationForm(AuthenticationForm):
    """Sign-in that takes a national ID the way registration does (x, spaces, full width)."""

    def clean_username(self):
        return normalize_username(self.cleaned_data["username"])


class PersonRegistrationForm(forms.Form):
    """实名注册, step 1. No phone: the code goes to the phone on file."""

    national_id = NationalIdFormField(label=_("公民身份号码"))
    name = NameFormField(label=_("姓名"), max_length=50)
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
    year = IntegerField(label=_("年度"), min_value=1990, max_value=2100, required=False)
