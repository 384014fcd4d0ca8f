"""Serializer fields shared by every app's API."""

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.identity import (
    is_ascii_digits,
    normalize_national_id,
    normalize_username,
    validate_date_in_range,
    validate_name,
    validate_national_id,
)
from accounts.models import Region, fen_to_yuan


@extend_schema_field(OpenApiTypes.DATETIME)
class DateOrDateTimeField(serializers.Field):
    """ISO 8601 date ("2024-03-01", midnight Asia/Shanghai) or date-time, from 1900 to 2100
    in Asia/Shanghai (a time that converts past year 9999 is refused, not stored)."""

    default_error_messages = {"invalid": _("日期格式应为 YYYY-MM-DD 或 ISO 8601 时间。")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_date_in_range)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            value = parse_datetime(data)
            if value is None and (day := parse_date(data)) is not None:
                value = dt.datetime.combine(day, dt.time())
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value

    def to_representation(self, value):
        return value.isoformat()


@extend_schema_field({"type": "string", "pattern": r"^\d{6}$", "example": "610100"})
class RegionField(serializers.Field):
    """A region code that must exist; resolves to the Region row (all regions fit in memory)."""

    default_error_messages = {
        "invalid": _("统筹区代码必须是6位数字。"),
        "unknown": _("统筹区 %(code)s 不存在。"),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or not is_ascii_digits(data) or len(data) != 6:
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


@extend_schema_field(
    {"type": "string", "pattern": r"^(19|20)[0-9]{2}(0[1-9]|1[0-2])$", "example": "202403"}
)
class PeriodField(serializers.RegexField):
    """做账期号 YYYYMM."""

    def __init__(self, **kwargs):
        super().__init__(
            r"^(19|20)[0-9]{2}(0[1-9]|1[0-2])$",
            max_length=6,
            error_messages={"invalid": _("期号格式为 YYYYMM，例如 202403。")},
            **kwargs,
        )


@extend_schema_field({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "123.45"})
class FenAsYuanField(serializers.Field):
    """Integer fen in the database, a yuan string with two decimals on the wire."""

    def to_representation(self, value: int) -> str:
        return str(fen_to_yuan(value))

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)


class DateField(serializers.DateField):
    """An ISO 8601 date from 1900-01-01 to 2100-12-31."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_date_in_range)


class NationalIdField(serializers.CharField):
    """公民身份号码 as people type it: spaces, full-width digits and a lower-case x are
    corrected (accounts.identity.normalize_national_id), then the number is validated."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(**kwargs)
        self.validators.append(validate_national_id)

    def to_internal_value(self, data):
        return normalize_national_id(super().to_internal_value(data))


class UsernameField(serializers.CharField):
    """A sign-in name; one that is a national ID as typed is normalised like NationalIdField."""

    def to_internal_value(self, data):
        return normalize_username(super().to_internal_value(data))


class NameField(serializers.CharField):
    """A person's or employer's name: no control, zero-width or direction-override characters."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_name)


class _AsciiDigitsMixin:
    """Python's int() and Decimal() read '１２' as 12; numbers on the wire are ASCII only."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.isascii():
            self.fail("invalid")
        return super().to_internal_value(data)


class DecimalField(_AsciiDigitsMixin, serializers.DecimalField):
    pass


class IntegerField(_AsciiDigitsMixin, serializers.IntegerField):
    pass
