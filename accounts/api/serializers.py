from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.identity import validate_credit_code, validate_national_id
from accounts.models import Region


class PersonRegistrationSerializer(serializers.Serializer):
    national_id = serializers.CharField(max_length=18, validators=[validate_national_id])
    name = serializers.CharField(max_length=50)
    phone = serializers.RegexField(
        r"^1\d{10}$",
        max_length=11,
        error_messages={
            "invalid": _("请输入11位手机号码。"),
        },
    )
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class EmployerRegistrationSerializer(serializers.Serializer):
    employer_code = serializers.CharField(max_length=18, validators=[validate_credit_code])
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=20)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class RegistrationResultSerializer(serializers.Serializer):
    username = serializers.CharField()
    kind = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


@extend_schema_field({"type": "string", "pattern": r"^\d{6}$", "example": "610100"})
class RegionField(serializers.Field):
    """A region code that must exist; resolves to the Region row (all regions fit in memory)."""

    default_error_messages = {
        "invalid": _("统筹区代码必须是6位数字。"),
        "unknown": _("统筹区 %(code)s 不存在。"),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.isdigit() or len(data) != 6:
            self.fail("invalid")
        root = self.root
        if not hasattr(root, "_regions_by_code"):
            root._regions_by_code = Region.objects.in_bulk()
        region = root._regions_by_code.get(data)
        if region is None:
            raise serializers.ValidationError(self.error_messages["unknown"] % {"code": data})
        return region

    def to_representation(self, value):
        return value.code


class FeedEmployerSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=18, validators=[validate_credit_code])
    name = serializers.CharField(max_length=100)
    region = RegionField()


class EmployerFeedSerializer(serializers.Serializer):
    employers = FeedEmployerSerializer(many=True, allow_empty=False, max_length=10000)

    def validate_employers(self, rows):
        seen: dict[str, int] = {}
        errors = [{} for _row in rows]
        for index, row in enumerate(rows):
            if row["code"] in seen:
                errors[index] = {"code": [_("与第 %(row)d 行重复。") % {"row": seen[row["code"]]}]}
            seen.setdefault(row["code"], index)
        if any(errors):
            raise serializers.ValidationError(errors)
        return rows


class FeedCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
