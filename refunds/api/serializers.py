from rest_framework import serializers

from accounts.api.fields import DecimalField, FenAsYuanField

from ..models import Clearance, RefundBatch, RefundItem


class RefundBatchFeedItemSerializer(serializers.Serializer):
    national_id = serializers.CharField(max_length=18)
    period = serializers.CharField(help_text="YYYYMM, one of the batch's periods")
    paid_base = serializers.CharField(help_text='the base paid on, yuan: "8000.00"')
    corrected_base = serializers.CharField(help_text="the corrected (lower) base, yuan")


class RefundBatchFeedSerializer(serializers.Serializer):
    """The batch as the tax department sends it (checked as a whole by the service)."""

    reference = serializers.CharField(max_length=64)
    region = serializers.CharField(max_length=6)
    employer_code = serializers.CharField(max_length=18)
    periods = serializers.ListField(child=serializers.CharField(max_length=6))
    items = RefundBatchFeedItemSerializer(many=True)


# Plain strings, not enums: "status" choice sets of other apps would collide in the schema.
STATUS_HELP = "RECEIVED (待审核), APPROVED or REJECTED"


class RefundBatchCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text=STATUS_HELP)


class RefundBatchSerializer(serializers.ModelSerializer):
    """A batch with its totals, employer and individual shares apart (yuan strings)."""

    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = serializers.CharField(source="get_status_display")
    employer_paid = FenAsYuanField(source="employer_paid_fen")
    employer_due = FenAsYuanField(source="employer_due_fen")
    employer_refund = FenAsYuanField(source="employer_refund_fen")
    individual_paid = FenAsYuanField(source="individual_paid_fen")
    individual_due = FenAsYuanField(source="individual_due_fen")
    individual_refund = FenAsYuanField(source="individual_refund_fen")
    refund = FenAsYuanField(source="refund_fen")

    class Meta:
        model = RefundBatch
        fields = [
            "id",
            "reference",
            "region",
            "periods",
            "status",
            "status_display",
            "item_count",
            "person_count",
            "excluded_count",
            "employer_paid",
            "employer_due",
            "employer_refund",
            "individual_paid",
            "individual_due",
            "individual_refund",
            "refund",
            "received_at",
            "decided_at",
            "reason",
        ]


class RefundItemSerializer(serializers.ModelSerializer):
    """One employee and month: bases and both shares paid, due and refunded."""

    national_id = serializers.CharField(source="person.masked_national_id")
    name = serializers.CharField(source="person.name")
    paid_base = FenAsYuanField(source="paid_base_fen")
    corrected_base = FenAsYuanField(source="corrected_base_fen")
    applied_base = FenAsYuanField(source="applied_base_fen")
    employer_paid = FenAsYuanField(source="employer_paid_fen")
    employer_due = FenAsYuanField(source="employer_due_fen")
    employer_refund = FenAsYuanField(source="employer_refund_fen")
    individual_paid = FenAsYuanField(source="individual_paid_fen")
    individual_due = FenAsYuanField(source="individual_due_fen")
    individual_refund = FenAsYuanField(source="individual_refund_fen")
    refund = FenAsYuanField(source="refund_fen")
    exclusion_display = serializers.CharField(source="get_exclusion_display")

    class Meta:
        model = RefundItem
        fields = [
            "national_id",
            "name",
            "period",
            "paid_base",
            "corrected_base",
            "applied_base",
            "employer_paid",
            "employer_due",
            "employer_refund",
            "individual_paid",
            "individual_due",
            "individual_refund",
            "refund",
            "exclusion",
            "exclusion_display",
        ]


class PendingAccountSerializer(serializers.Serializer):
    balance = serializers.CharField(help_text="yuan, two decimals")


class PendingPostingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    kind = serializers.CharField()
    reference = serializers.CharField()
    amount = serializers.SerializerMethodField(help_text="signed: money in is positive")

    def get_amount(self, posting) -> str:
        sign = "" if posting.to_account_id == self.context["account_id"] else "-"
        return f"{sign}{posting.amount}"


class ClearanceRequestSerializer(serializers.Serializer):
    amount = DecimalField(max_digits=14, decimal_places=2, help_text='yuan: "1200.00"')
    bank_name = serializers.CharField(max_length=100)
    bank_account = serializers.CharField(max_length=40, help_text="10 to 30 digits")


class ClearanceSerializer(serializers.ModelSerializer):
    """A clearance request as the employer sees it: the bank account masked."""

    amount = FenAsYuanField(source="amount_fen")
    status = serializers.CharField(help_text="PENDING, APPROVED or REJECTED")
    status_display = serializers.CharField(source="get_status_display")
    bank_account = serializers.CharField(source="masked_bank_account")

    class Meta:
        model = Clearance
        fields = [
            "id",
            "amount",
            "bank_name",
            "bank_account",
            "status",
            "status_display",
            "requested_at",
            "decided_at",
            "reason",
        ]
