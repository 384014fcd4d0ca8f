from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.api.fields import RegionField
from accounts.identity import validate_credit_code, validate_national_id


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
