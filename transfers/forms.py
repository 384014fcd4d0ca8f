from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from enrollment.models import Scheme

ID_HELP = _("图片（JPG、PNG）或 PDF，不超过 5 MB。")


class TransferApplyForm(forms.Form):
    from_region = forms.ModelChoiceField(
        label=_("转出地（原参保地）"), queryset=Region.objects.order_by("code")
    )
    to_region = forms.ModelChoiceField(
        label=_("转入地（新参保地）"), queryset=Region.objects.order_by("code")
    )
    scheme = forms.ChoiceField(label=_("险种"), choices=Scheme.choices)
    id_front = forms.FileField(label=_("身份证人像面"), help_text=ID_HELP)
    id_back = forms.FileField(label=_("身份证国徽面"), help_text=ID_HELP)
