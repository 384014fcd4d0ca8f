from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Region

from .models import ResidentRefund


class ClearanceForm(forms.Form):
    amount = forms.DecimalField(label=_("清退金额（元）"), max_digits=14, decimal_places=2)
    bank_name = forms.CharField(label=_("开户银行"), max_length=100)
    bank_account = forms.CharField(
        label=_("银行账号"), max_length=40, help_text=_("10到30位数字。")
    )


DOCUMENT_HELP = _("图片（JPG、PNG）或 PDF，不超过 5 MB。")


class ResidentRefundForm(forms.Form):
    """居民医保退费 application; which documents a type needs is the service's rule."""

    type = forms.ChoiceField(label=_("退费类型"), choices=ResidentRefund.Type.choices)
    region = forms.ModelChoiceField(label=_("缴费统筹区"), queryset=Region.objects.order_by("code"))
    year = forms.IntegerField(label=_("待遇年度"), min_value=2000, max_value=2100)
    for_national_id = forms.CharField(
        label=_("参保人身份证号码（代办或继承人申请时填写）"),
        max_length=18,
        required=False,
        help_text=_("为本人申请时留空；代办时填被代办人，参保人死亡时填已故参保人。"),
    )
    bank_name = forms.CharField(label=_("开户银行"), max_length=100)
    bank_account = forms.CharField(
        label=_("银行账号"), max_length=40, help_text=_("10到30位数字。")
    )
    payment_receipt = forms.FileField(label=_("缴费凭证"), required=False, help_text=DOCUMENT_HELP)
    insurance_stopped = forms.FileField(
        label=_("另一参保关系终止证明（重复缴费）"), required=False, help_text=DOCUMENT_HELP
    )
    other_insurance = forms.FileField(
        label=_("其他参保证明（参加职工医保或异地居民医保）"),
        required=False,
        help_text=DOCUMENT_HELP,
    )
    death_certificate = forms.FileField(
        label=_("死亡证明（参保人死亡）"), required=False, help_text=DOCUMENT_HELP
    )
    power_of_attorney = forms.FileField(
        label=_("授权委托书（代办）"), required=False, help_text=DOCUMENT_HELP
    )
    agent_id = forms.FileField(
        label=_("代办人身份证（代办）"), required=False, help_text=DOCUMENT_HELP
    )

    DOCUMENTS = (
        "payment_receipt",
        "insurance_stopped",
        "other_insurance",
        "death_certificate",
        "power_of_attorney",
        "agent_id",
    )


class ResidentRefundMaterialsForm(forms.Form):
    supplement = forms.FileField(label=_("补充材料"), help_text=DOCUMENT_HELP)
