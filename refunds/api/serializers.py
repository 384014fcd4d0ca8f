from rest_framework import serializers

from accounts.api.fields import DecimalField, FenAsYuanField

from ..models import Clearance, RefundBatch, RefundItem, ResidentRefund


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


class ResidentPremiumFeedRowSerializer(serializers.Serializer):
    national_id = serializers.CharField(max_length=18)
    region = serializers.CharField(max_length=6)
    year = serializers.IntegerField(help_text="the benefit year paid for")
    amount = serializers.CharField(help_text='yuan: "380.00"')
    paid_at = serializers.DateTimeField()


class ResidentPremiumFeedSerializer(serializers.Serializer):
    """Premiums as the tax department sends them (checked as a whole by the service)."""

    premiums = ResidentPremiumFeedRowSerializer(many=True)


class ResidentPremiumFeedResultSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="new premiums recorded")
    unchanged = serializers.IntegerField(help_text="premiums already on record, the same amount")


DOCUMENT_HELP = "PDF, JPEG or PNG of at most 5 MB"


class _ResidentRefundDocumentsSerializer(serializers.Serializer):
    payment_receipt = serializers.FileField(required=False, help_text=DOCUMENT_HELP)
    insurance_stopped = serializers.FileField(required=False, help_text=DOCUMENT_HELP)
    other_insurance = serializers.FileField(required=False, help_text=DOCUMENT_HELP)
    death_certificate = serializers.FileField(required=False, help_text=DOCUMENT_HELP)
    power_of_attorney = serializers.FileField(required=False, help_text=DOCUMENT_HELP)
    agent_id = serializers.FileField(required=False, help_text=DOCUMENT_HELP)


class ResidentRefundApplySerializer(_ResidentRefundDocumentsSerializer):
    """The form of an application; the documents each type needs are checked by the service:
    DUPLICATE payment_receipt + insurance_stopped; EMPLOYEE_INSURANCE and OTHER_REGION
    other_insurance; PAYMENT_ERROR payment_receipt; DEATH death_certificate (the heir applies,
    naming the deceased in for_national_id); an agent (for_national_id of someone else) also
    power_of_attorney and agent_id."""

    type = serializers.CharField(
        help_text="DUPLICATE, EMPLOYEE_INSURANCE, OTHER_REGION, PAYMENT_ERROR or DEATH"
    )
    region = serializers.CharField(max_length=6)
    year = serializers.IntegerField()
    bank_name = serializers.CharField(max_length=100)
    bank_account = serializers.CharField(max_length=40)
    for_national_id = serializers.CharField(
        max_length=18, required=False, allow_blank=True, help_text="agent or heir: the insured"
    )


class ResidentRefundMaterialsSerializer(_ResidentRefundDocumentsSerializer):
    """Materials staff asked for: `supplement`, or any document field of the application."""

    supplement = serializers.FileField(required=False, help_text=DOCUMENT_HELP)


class ResidentRefundCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="WAITING (待审核)")


class ResidentRefundStepSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    at = serializers.DateTimeField()
    by = serializers.CharField(source="by_label")
    note = serializers.CharField()


class ResidentRefundDocumentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    uploaded_at = serializers.DateTimeField()


class ResidentRefundSerializer(serializers.ModelSerializer):
    """An application: status, the due date (empty while materials are awaited) and every step."""

    status = serializers.CharField(help_text="WAITING, MATERIALS_REQUESTED, APPROVED or REJECTED")
    status_display = serializers.CharField(source="get_status_display")
    type = serializers.CharField()
    type_display = serializers.CharField(source="get_type_display")
    region = serializers.CharField(source="premium.region_id")
    region_name = serializers.CharField(source="premium.region.name")
    year = serializers.IntegerField(source="premium.year")
    national_id = serializers.CharField(source="premium.person.masked_national_id")
    name = serializers.CharField(source="premium.person.name")
    amount = FenAsYuanField(source="amount_fen")
    bank_account = serializers.CharField(source="masked_bank_account")
    timeline = ResidentRefundStepSerializer(source="events", many=True)
    documents = ResidentRefundDocumentSerializer(many=True)

    class Meta:
        model = ResidentRefund
        fields = [
            "id",
            "type",
            "type_display",
            "status",
            "status_display",
            "region",
            "region_name",
            "year",
            "national_id",
            "name",
            "by_agent",
            "amount",
            "bank_name",
            "bank_account",
            "submitted_at",
            "complete_on",
            "due_date",
            "materials_note",
            "reason",
            "decided_at",
            "timeline",
            "documents",
        ]
