from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.fields import (
    DateField,
    DateOrDateTimeField,
    DecimalField,
    NameField,
    NationalIdField,
    RegionField,
)
from accounts.identity import birth_date_from_national_id
from accounts.models import Employer
from enrollment.explanations import enrollment_explanation
from enrollment.models import DuplicateCase, EnrollmentStatus, NameReport, Scheme, StopReason
from enrollment.services import feed


class FeedEnrollmentSerializer(serializers.Serializer):
    region = RegionField()
    scheme = serializers.ChoiceField(choices=Scheme.choices)
    employer_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    record_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=[EnrollmentStatus.ACTIVE, EnrollmentStatus.STOPPED])
    registered_at = DateOrDateTimeField()
    last_paid_at = DateOrDateTimeField(required=False, allow_null=True)
    stopped_at = DateField(required=False, allow_null=True)
    stop_reason = serializers.ChoiceField(
        choices=StopReason.choices, required=False, allow_blank=True
    )

    def validate(self, attrs):
        self._validate_stop(attrs)
        code = attrs.pop("employer_code", "") or ""
        if attrs["scheme"] == Scheme.EMPLOYEE and not code:
            raise serializers.ValidationError({"employer_code": [_("职工医保必须填写参保单位。")]})
        attrs["employer"] = None
        if code:
            employer = self.root.employers_by_code().get(code)
            if employer is None:
                raise serializers.ValidationError(
                    {"employer_code": [_("参保单位 %(code)s 不存在。") % {"code": code}]}
                )
            if employer.region_id != attrs["region"].code:
                raise serializers.ValidationError(
                    {
                        "employer_code": [
                            _("参保单位不属于统筹区 %(code)s。") % {"code": attrs["region"].code}
                        ]
                    }
                )
            attrs["employer"] = employer
        return attrs

    @staticmethod
    def _validate_stop(attrs) -> None:
        """停保日期 and 停保原因 belong to a stopped record; the reason needs the date."""
        stopped_at, reason = attrs.get("stopped_at"), attrs.get("stop_reason")
        if (stopped_at or reason) and attrs["status"] != EnrollmentStatus.STOPPED:
            field = "stopped_at" if stopped_at else "stop_reason"
            raise serializers.ValidationError({field: [_("只有停保的登记才有停保日期和原因。")]})
        if reason and not stopped_at:
            raise serializers.ValidationError({"stopped_at": [_("填写停保原因时须填写停保日期。")]})
        if stopped_at and stopped_at < timezone.localdate(attrs["registered_at"]):
            raise serializers.ValidationError({"stopped_at": [_("停保日期不能早于入库时间。")]})


class FeedPersonSerializer(serializers.Serializer):
    national_id = NationalIdField()
    name = NameField(max_length=50)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    birth_date = DateField(required=False, allow_null=True)
    retired = serializers.BooleanField()
    retired_at = DateField(required=False, allow_null=True)
    pension = DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    died_at = DateField(required=False, allow_null=True)
    enrollments = FeedEnrollmentSerializer(many=True, max_length=50)

    def validate(self, attrs):
        birth = attrs.get("birth_date")
        if birth and birth != birth_date_from_national_id(attrs["national_id"]):
            raise serializers.ValidationError({"birth_date": [_("出生日期与身份证号码不一致。")]})
        died = attrs.get("died_at")
        if died and died < (birth or birth_date_from_national_id(attrs["national_id"])):
            raise serializers.ValidationError({"died_at": [_("死亡日期不能早于出生日期。")]})
        if attrs.get("pension") is not None and not attrs["retired"]:
            raise serializers.ValidationError({"pension": [_("只有退休人员才有养老金。")]})
        retired_at = attrs.get("retired_at")
        if retired_at and not attrs["retired"]:
            raise serializers.ValidationError({"retired_at": [_("只有退休人员才有退休日期。")]})
        if retired_at and retired_at < (birth or birth_date_from_national_id(attrs["national_id"])):
            raise serializers.ValidationError({"retired_at": [_("退休日期不能早于出生日期。")]})
        return attrs


class PersonFeedSerializer(serializers.Serializer):
    persons = FeedPersonSerializer(many=True, allow_empty=False, max_length=10000)

    def employers_by_code(self) -> dict[str, Employer]:
        """Every employer the request names, fetched in one query."""
        if not hasattr(self, "_employers_by_code"):
            codes = {
                item.get("employer_code")
                for person in self.initial_data.get("persons") or []
                if isinstance(person, dict)
                for item in (person.get("enrollments") or [])
                if isinstance(item, dict) and isinstance(item.get("employer_code"), str)
            }
            self._employers_by_code = Employer.objects.in_bulk(codes - {""}, field_name="code")
        return self._employers_by_code

    def validate_persons(self, rows):
        errors: list[dict] = [{} for _row in rows]
        first_row: dict[str, int] = {}
        for index, row in enumerate(rows):
            seen = first_row.setdefault(row["national_id"], index)
            if seen != index:
                errors[index]["national_id"] = [_("与第 %(row)d 行重复。") % {"row": seen}]
            keys = [
                (e["region"].code, e["scheme"], e.get("record_id") or "")
                for e in row["enrollments"]
            ]
            if len(keys) != len(set(keys)):
                errors[index]["enrollments"] = [_("同一统筹区、险种和个人编号只能出现一次。")]
        if not any(errors):
            for index, row_errors in feed.check_period_business(rows=rows).items():
                errors[index].update(row_errors)
        if any(errors):
            raise serializers.ValidationError(errors)
        return rows


class PersonFeedResultSerializer(serializers.Serializer):
    persons_created = serializers.IntegerField()
    persons_updated = serializers.IntegerField()
    enrollments_created = serializers.IntegerField()
    enrollments_updated = serializers.IntegerField()
    verification_cases = serializers.IntegerField()


class ExplanationSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="suspended, merged, restored, frozen or empty")
    reason = serializers.CharField()
    advice = serializers.CharField()
    emergency = serializers.CharField()


class MyEnrollmentSerializer(serializers.Serializer):
    """An enrollment as its person reads it: status, and when not plain, why and what to do."""

    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    scheme = serializers.CharField()
    scheme_display = serializers.CharField(source="get_scheme_display")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    status_reason = serializers.CharField()
    employer = serializers.CharField(source="employer.name", default=None)
    registered_at = serializers.DateTimeField()
    last_paid_at = serializers.DateTimeField(allow_null=True)
    record_id = serializers.CharField()
    explanation = serializers.SerializerMethodField()

    @extend_schema_field(ExplanationSerializer)
    def get_explanation(self, enrollment) -> dict:
        return ExplanationSerializer(enrollment_explanation(enrollment)).data


class MeSerializer(serializers.Serializer):
    national_id = serializers.CharField(source="masked_national_id")
    name = serializers.CharField()
    phone = serializers.CharField()
    retired = serializers.BooleanField()
    enrollments = MyEnrollmentSerializer(many=True)


class NameReportSerializer(serializers.Serializer):
    """The right name an employer reported on a name check, and what staff made of it."""

    name = serializers.CharField()
    reason = serializers.CharField()
    status = serializers.ChoiceField(choices=NameReport.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    reported_at = serializers.DateTimeField()
    rejection_reason = serializers.CharField()


class VerificationCaseSerializer(serializers.ModelSerializer):
    """A name check (核实) an employer sees: the ID masked, both names, the region, and the
    latest report of the right name (null before the first)."""

    national_id = serializers.CharField(source="person.masked_national_id")
    name = serializers.CharField(source="person.name")
    region_name = serializers.CharField(source="region.name", default=None)
    status_display = serializers.CharField(source="get_status_display")
    report = serializers.SerializerMethodField()

    class Meta:
        model = DuplicateCase
        fields = [
            "id",
            "national_id",
            "name",
            "reported_name",
            "region",
            "region_name",
            "status",
            "status_display",
            "confirmed_name",
            "created_at",
            "decided_at",
            "report",
        ]

    @extend_schema_field(NameReportSerializer(allow_null=True))
    def get_report(self, case) -> dict | None:
        reports = case.reports if hasattr(case, "reports") else list(case.name_reports.all())
        return NameReportSerializer(reports[0]).data if reports else None


class NameReportCreateSerializer(serializers.Serializer):
    name = NameField(max_length=50, help_text="正确姓名：案件中的两个姓名之一，或新的姓名")
    reason = serializers.CharField(
        max_length=200, default="", allow_blank=True, help_text="报送新的姓名时必填"
    )
