from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import DecimalField, NameFormField, NationalIdFormField
from accounts.models import Region

from .models import Relation
from .selectors import region_label, wallet_regions


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return region_label(province=obj.province, name=obj.name)


def wallet_region_field(label) -> RegionChoiceField:
    return RegionChoiceField(
        label=label,
        queryset=wallet_regions(),
        empty_label=_("请选择"),
    )


class WalletOpenForm(forms.Form):
    usage_region = wallet_region_field(_("使用地"))
    consent = forms.BooleanField(
        label=_("我已阅读并同意《医保钱包服务协议》"),
        error_messages={"required": _("开通医保钱包需要同意服务协议。")},
    )


class UsageRegionForm(forms.Form):
    usage_region = wallet_region_field(_("新的使用地"))


class FamilyBindingForm(forms.Form):
    national_id = NationalIdFormField(label=_("对方公民身份号码"))
    name = NameFormField(label=_("对方姓名"), max_length=50)
    relation = forms.ChoiceField(label=_("对方是您的"), choices=Relation.choices)
    evidence = forms.FileField(
        label=_("监护关系证明材料"),
        required=False,
        help_text=_(
            "绑定未满18周岁的子女（尚无经审核的监护人）时必须上传：户口簿或出生医学证明，"
            "PDF、JPG 或 PNG，不超过 5 MB，由孩子参保地经办机构审核。"
        ),
    )


class TransferForm(forms.Form):
    to_national_id = forms.ChoiceField(label=_("接收人"))
    amount = DecimalField(
        label=_("金额（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        # Text, not type=number: a phone shows the decimal keypad and nothing rounds the amount.
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "placeholder": "0.00", "autocomplete": "off"}
        ),
        error_messages={
            "invalid": _("请输入以元为单位的金额，例如 200 或 12.50。"),
            "max_decimal_places": _("金额最多两位小数（到分），例如 12.50。"),
            "max_digits": _("金额过大。"),
            "min_value": _("转账金额必须大于0。"),
        },
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=120)

    def __init__(self, *args, recipients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_national_id"].choices = [
            (person.national_id, f"{person.name}（{relation}，{person.masked_national_id}）")
            for relation, person in recipients
        ]


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("验证码"),
        regex=r"^[0-9]{4,8}$",
        max_length=8,
        error_messages={"invalid": _("验证码是4到8位数字。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class PaymentCodeForm(forms.Form):
    institution = forms.ChoiceField(label=_("定点医药机构"))
    max_amount = forms.DecimalField(
        label=_("本次最多支付（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [
            (institution.code, institution.name) for institution in institutions
        ]
