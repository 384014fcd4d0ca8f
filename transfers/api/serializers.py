"""Transfer API shapes, exactly as API.md names them (and a few additions)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.fields import RegionField
from enrollment.models import Scheme

from ..models import TransferStatus


class InsuranceTransferApplySerializer(serializers.Serializer):
    from_region = RegionField(help_text=_("转出地区划代码"))
    to_region = RegionField(help_text=_("转入地区划代码"))
    scheme = serializers.ChoiceField(choices=Scheme.choices)
    id_front = serializers.FileField(help_text=_("身份证人像面：PDF、JPG 或 PNG，不超过 5 MB"))
    id_back = serializers.FileField(help_text=_("身份证国徽面：PDF、JPG 或 PNG，不超过 5 MB"))


class InsuranceTransferStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=TransferStatus.choices)


class InsuranceTransferStepSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TransferStatus.choices)
    at = serializers.DateTimeField()
    by = serializers.CharField(source="by_label")
    note = serializers.CharField()


class InsuranceTransferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=TransferStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    from_region = serializers.CharField(source="from_region_id")
    to_region = serializers.CharField(source="to_region_id")
    scheme = serializers.ChoiceField(choices=Scheme.choices)
    submitted_at = serializers.DateTimeField()
    out_due = serializers.DateField()
    complete_due = serializers.DateField()
    reject_reason = serializers.CharField()
    timeline = InsuranceTransferStepSerializer(source="events", many=True)
    certificate = serializers.SerializerMethodField(
        help_text=_("《参保凭证》PDF 的下载地址；转出地审核通过后才有")
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_certificate(self, application) -> str | None:
        if not application.certificate_number:
            return None
        return reverse("api-transfer-certificate", args=[application.pk])
