from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.fields import (
    DecimalField,
    FenAsYuanField,
    IntegerField,
    NameField,
    NationalIdField,
    RegionField,
)
from accounts.models import PostingKind, fen_to_yuan

from ..models import FamilyBinding, Relation, WalletTransfer

MONEY = {
    "max_digits": 12,
    "decimal_places": 2,
    "min_value": Decimal("0.01"),
    "coerce_to_string": True,
}


class PersonBriefSerializer(serializers.Serializer):
    national_id = serializers.CharField(source="masked_national_id")
    name = serializers.CharField()


# --- family ---------------------------------------------------------------------------------


class FamilyBindingCreateSerializer(serializers.Serializer):
    national_id = NationalIdField()
    name = NameField(max_length=50)
    relation = serializers.ChoiceField(
        choices=Relation.choices, help_text=_("对方是您的：配偶、父母、子女、兄弟姐妹等")
    )
    evidence = serializers.FileField(
        required=False,
        help_text=_(
            "为尚无经审核监护人的未成年子女申请绑定时必填（multipart）：户口簿或出生医学证明，"
            "PDF、JPG 或 PNG，不超过 5 MB"
        ),
    )


class FamilyBindingSerializer(serializers.Serializer):
    id = IntegerField()
    status = serializers.ChoiceField(choices=FamilyBinding.Status.choices)
    relation = serializers.ChoiceField(choices=Relation.choices)
    relation_display = serializers.SerializerMethodField()
    direction = serializers.SerializerMethodField()
    requester = PersonBriefSerializer()
    member = PersonBriefSerializer()
    created_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField()
    guardian = serializers.BooleanField(help_text=_("已确认的监护关系（父母与未成年子女）"))
    review_status = serializers.SerializerMethodField()

    def _person_id(self) -> int:
        return self.context["person"].pk

    def get_relation_display(self, binding) -> str:
        """The other side's relation to the caller, in words (e.g. 父母)."""
        return binding.relation_seen_by(self._person_id())

    def get_review_status(self, binding) -> str | None:
        """A guardian binding's review by staff: WAITING, APPROVED, REJECTED, WITHDRAWN; or null."""
        review = getattr(binding, "guardian_review", None)
        return review.status if review is not None else None

    def get_direction(self, binding) -> str:
        """OUTGOING: the caller asked; INCOMING: the caller (or their ward) was asked."""
        return "OUTGOING" if binding.requester_id == self._person_id() else "INCOMING"


# --- wallet ---------------------------------------------------------------------------------


class WalletOpenSerializer(serializers.Serializer):
    usage_region = RegionField()
    for_national_id = NationalIdField(required=False, allow_blank=True)
    consent = serializers.BooleanField(
        required=False, default=True, help_text=_("同意《医保钱包服务协议》")
    )


class WalletUpdateSerializer(serializers.Serializer):
    usage_region = RegionField()


class WalletSerializer(serializers.Serializer):
    usage_region = serializers.CharField(source="usage_region_id")
    usage_region_name = serializers.CharField(source="usage_region.name")
    insured_region = serializers.CharField(source="insured_region_id")
    status = serializers.CharField()
    balance = FenAsYuanField(source="account.balance_fen")
    phone = serializers.CharField(source="masked_phone")
    opened_at = serializers.DateTimeField()
    opened_by_self = serializers.SerializerMethodField()

    def get_opened_by_self(self, wallet) -> bool:
        return wallet.opened_by_id == wallet.person_id


class UsageRegionChangeSerializer(serializers.Serializer):
    from_region = serializers.CharField(source="from_region_id", allow_null=True)
    to_region = serializers.CharField(source="to_region_id")
    to_region_name = serializers.CharField(source="to_region.name")
    changed_at = serializers.DateTimeField()
    changed_by = serializers.CharField(source="changed_by.name")


class WalletPostingSerializer(serializers.Serializer):
    id = IntegerField()
    created_at = serializers.DateTimeField()
    kind = serializers.CharField()
    kind_name = serializers.SerializerMethodField(help_text="the business name, e.g. 家庭共济转入")
    amount = serializers.SerializerMethodField()
    balance_after = FenAsYuanField(source="running_fen")

    @extend_schema_field({"type": "string", "example": "-12.50"})
    def get_amount(self, posting) -> str:
        """Money in is positive, money out negative."""
        return str(fen_to_yuan(posting.signed_fen))

    def get_kind_name(self, posting) -> str:
        return PostingKind.name_of(posting.kind)


# --- transfers ------------------------------------------------------------------------------


class TransferCreateSerializer(serializers.Serializer):
    to_national_id = NationalIdField()
    amount = DecimalField(**MONEY)


class TransferCreatedSerializer(serializers.Serializer):
    id = IntegerField()
    status = serializers.CharField()
    amount = DecimalField(max_digits=12, decimal_places=2)
    code_expires_at = serializers.DateTimeField()


class CodeSerializer(serializers.Serializer):
    code = serializers.RegexField(
        r"^[0-9]{4,8}$", max_length=8, error_messages={"invalid": _("验证码是4到8位数字。")}
    )


class TransferStatusSerializer(serializers.Serializer):
    id = IntegerField()
    status = serializers.CharField()


class TransferSerializer(serializers.Serializer):
    id = IntegerField()
    status = serializers.ChoiceField(choices=WalletTransfer.Status.choices)
    direction = serializers.SerializerMethodField()
    amount = DecimalField(max_digits=12, decimal_places=2)
    sender = PersonBriefSerializer()
    recipient = PersonBriefSerializer()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    accept_deadline = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    finish_reason = serializers.CharField()

    def get_direction(self, transfer) -> str:
        """OUT (the caller sent it) or IN (the caller receives it)."""
        return "OUT" if transfer.sender_id == self.context["person"].pk else "IN"


# --- payments -------------------------------------------------------------------------------


class PremiumPaySerializer(serializers.Serializer):
    for_national_id = NationalIdField()
    year = IntegerField(min_value=2000, max_value=2100)
    amount = DecimalField(
        **MONEY,
        required=False,
        help_text=_("可不填：金额为该成员参保地该年度的个人缴费标准；填写时必须与之一致"),
    )


class MedicalPaySerializer(serializers.Serializer):
    # Not validated here: a missing or malformed code gets the same answer as a wrong one.
    payment_code = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text=_("参保人在医保服务门户生成并出示的付款码（18位数字）"),
    )
    bill_reference = serializers.RegexField(r"^[0-9A-Za-z_.:-]{1,60}$", max_length=60)
    amount = DecimalField(**MONEY, help_text=_("本次结算中个人自付的金额"))


class PaymentCodeCreateSerializer(serializers.Serializer):
    institution = serializers.CharField(max_length=30, help_text=_("定点医药机构编码"))
    max_amount = DecimalField(**MONEY, help_text=_("本次最多支付的金额"))


class PaymentCodeSerializer(serializers.Serializer):
    id = IntegerField()
    institution = serializers.CharField(source="institution.code")
    institution_name = serializers.CharField(source="institution.name")
    max_amount = DecimalField(max_digits=12, decimal_places=2)
    status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    used_at = serializers.DateTimeField(allow_null=True)
    refusal = serializers.CharField(help_text=_("最近一次被拒绝的原因（仅本人可见）"))
    refusal_display = serializers.CharField(source="get_refusal_display")
    refused_amount = DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    refused_at = serializers.DateTimeField(allow_null=True)

    def get_status(self, code) -> str:
        """ACTIVE, USED or EXPIRED."""
        return code.status


class PaymentCodeCreatedSerializer(PaymentCodeSerializer):
    code = serializers.CharField(help_text=_("付款码，只显示这一次"))


class PaymentSerializer(serializers.Serializer):
    id = IntegerField()
    purpose = serializers.CharField()
    amount = DecimalField(max_digits=12, decimal_places=2)
    beneficiary = PersonBriefSerializer()
    region = serializers.CharField(source="region_id")
    year = IntegerField(allow_null=True)
    institution_name = serializers.CharField()
    bill_reference = serializers.CharField()
    created_at = serializers.DateTimeField()
