from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.fields import (
    DateOrDateTimeField,
    DecimalField,
    FenAsYuanField,
    IntegerField,
    NameField,
    NationalIdField,
    PeriodField,
    RegionField,
    UsernameField,
)
from accounts.identity import normalize_national_id, validate_credit_code
from accounts.messaging import validate_mobile_phone
from accounts.models import InsuredPerson, PostingKind
from accounts.services import registration


class PersonRegistrationSerializer(serializers.Serializer):
    """A `phone` field, if sent, is ignored: the code goes to the phone on file."""

    national_id = NationalIdField()
    name = NameField(max_length=50)
    password = serializers.CharField(
        max_length=128, write_only=True, style={"input_type": "password"}
    )


class EmployerRegistrationSerializer(serializers.Serializer):
    """A `phone` field, if sent, is ignored: the code goes to the contact phone on file."""

    employer_code = serializers.CharField(max_length=18, validators=[validate_credit_code])
    name = NameField(max_length=100)
    password = serializers.CharField(
        max_length=128, write_only=True, style={"input_type": "password"}
    )


class RegistrationAcceptedSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["CODE_SENT"])


class CodeField(serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(
            r"^[0-9]{6}$",
            max_length=6,
            error_messages={"invalid": _("验证码为6位数字。")},
            **kwargs,
        )


class ConfirmPasswordField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            max_length=128,
            required=False,
            write_only=True,
            style={"input_type": "password"},
            help_text="the password given in step 1; needed only when the registration was "
            "asked for again while a code was live",
            **kwargs,
        )


class PersonRegistrationConfirmSerializer(serializers.Serializer):
    national_id = NationalIdField()
    code = CodeField()
    password = ConfirmPasswordField()


class EmployerRegistrationConfirmSerializer(serializers.Serializer):
    employer_code = serializers.CharField(max_length=18, validators=[validate_credit_code])
    code = CodeField()
    password = ConfirmPasswordField()


class RegistrationResultSerializer(serializers.Serializer):
    username = serializers.CharField()
    kind = serializers.CharField()


class PhoneChangeSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=11, validators=[validate_mobile_phone])


class PhoneChangeConfirmSerializer(serializers.Serializer):
    code = CodeField()


class PhoneChangeResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["CODE_SENT", "CHANGED"])
    phone = serializers.CharField(help_text="masked")


class TokenRequestSerializer(serializers.Serializer):
    username = UsernameField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class FeedEmployerSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=18, validators=[validate_credit_code])
    name = NameField(max_length=100)
    region = RegionField()
    phone = serializers.RegexField(
        r"^[0-9][0-9-]{6,19}$",
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="the contact phone registration codes go to",
        error_messages={"invalid": _("联系电话只能包含数字和连字符。")},
    )


class EmployerFeedSerializer(serializers.Serializer):
    employers = FeedEmployerSerializer(many=True, allow_empty=False, max_length=10000)

    def validate_employers(self, rows):
        seen: dict[str, int] = {}
        errors = [{} for _row in rows]
        for index, row in enumerate(rows):
            if row["code"] in seen:
                errors[index] = {"code": [_("与第 %(row)d 行重复。") % {"row": seen[row["code"]]}]}
            seen.setdefault(row["code"], index)
        if not any(errors):
            for index, row_errors in registration.employers_feed_check(rows=rows).items():
                errors[index].update(row_errors)
        if any(errors):
            raise serializers.ValidationError(errors)
        return rows


class FeedCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class FeedContributionSerializer(serializers.Serializer):
    national_id = NationalIdField()
    region = RegionField()
    period = PeriodField()
    base = DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    paid_at = DateOrDateTimeField(required=False, allow_null=True)

    def validate(self, attrs):
        person = self.root.persons_by_national_id().get(attrs["national_id"])
        if person is None:
            raise serializers.ValidationError(
                {"national_id": [_("系统中没有该参保人，请先报送人员信息。")]}
            )
        attrs["person"] = person
        return attrs


class ContributionFeedSerializer(serializers.Serializer):
    contributions = FeedContributionSerializer(many=True, allow_empty=False, max_length=10000)

    def persons_by_national_id(self) -> dict[str, InsuredPerson]:
        """Every person the request names, fetched in one query."""
        if not hasattr(self, "_persons"):
            ids = {
                normalize_national_id(row.get("national_id"))
                for row in self.initial_data.get("contributions") or []
                if isinstance(row, dict) and isinstance(row.get("national_id"), str)
            }
            self._persons = InsuredPerson.objects.in_bulk(ids, field_name="national_id")
        return self._persons

    def validate_contributions(self, rows):
        errors: list[dict] = [{} for _row in rows]
        first_row: dict[tuple, int] = {}
        for index, row in enumerate(rows):
            key = (row["national_id"], row["region"].code, row["period"])
            seen = first_row.setdefault(key, index)
            if seen != index:
                errors[index]["period"] = [_("与第 %(row)d 行重复。") % {"row": seen}]
        if any(errors):
            raise serializers.ValidationError(errors)
        return rows


class ContributionFeedResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    paid = serializers.IntegerField(help_text="repeats that recorded a late arrival (到账)")
    unchanged = serializers.IntegerField()


class AccountSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_reason = serializers.CharField()
    balance = FenAsYuanField(source="balance_fen")
    current_year = FenAsYuanField(source="current_year_fen")
    carried_over = FenAsYuanField(source="carried_over_fen")
    available = FenAsYuanField(source="available_fen")


class CreditSerializer(serializers.Serializer):
    period = serializers.CharField()
    amount = FenAsYuanField(source="amount_fen")
    kind = serializers.SerializerMethodField()

    def get_kind(self, posting) -> str:
        """IN_SERVICE (在职划入) or RETIREE (退休划入)."""
        return posting.kind.removeprefix("CREDIT_")


class MyContributionSerializer(serializers.Serializer):
    region = serializers.CharField(source="region_id")
    period = serializers.CharField()
    base = FenAsYuanField(source="base_fen")
    employer_share = FenAsYuanField(source="employer_share_fen")
    individual_share = FenAsYuanField(source="individual_share_fen")
    paid_at = serializers.DateTimeField(allow_null=True)


class MyPostingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    kind = serializers.CharField()
    kind_name = serializers.SerializerMethodField(
        help_text="the business name, e.g. 月度划入（在职）"
    )
    period = serializers.CharField()
    amount = serializers.SerializerMethodField()
    account = serializers.SerializerMethodField()

    def _incoming(self, posting) -> bool:
        return posting.to_account_id in self.context["own_account_ids"]

    @extend_schema_field({"type": "string", "example": "-12.50"})
    def get_amount(self, posting) -> str:
        """Signed from the person's side: money in is positive, money out negative."""
        sign = "" if self._incoming(posting) else "-"
        return f"{sign}{posting.amount}"

    def get_account(self, posting) -> str:
        own = posting.to_account if self._incoming(posting) else posting.from_account
        return own.kind

    def get_kind_name(self, posting) -> str:
        return PostingKind.name_of(posting.kind)


class YearQuerySerializer(serializers.Serializer):
    year = IntegerField(min_value=1990, max_value=2100, required=False)


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    link = serializers.CharField(help_text="a path in the portal, or empty")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationsReadSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["READ"])
    count = serializers.IntegerField(help_text="how many were unread")
