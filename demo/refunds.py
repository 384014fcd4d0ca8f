"""Demo refunds: difference-refund batches of the demo employer in each state and a clearance,
and resident premiums with refund applications in each state, made through the services."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Contribution, Employer, InsuredPerson, Region, User
from refunds.models import RefundBatch, ResidentPremium, ResidentRefund
from refunds.services import batches, clearances, resident

from .guide import DemoLogin

EMPLOYER = "91610100MA0000001B"
XIAN, TAIYUAN = "610100", "140100"
BANK = ("中国建设银行西安高新支行", "6227000012345678901")
_PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# (reference, months, decision): one batch waiting, one approved, one rejected.
BATCHES = [
    ("DEMO-SW-2026-01", ["202601", "202602"], "APPROVED"),
    ("DEMO-SW-2026-02", ["202603"], "REJECTED"),
    ("DEMO-SW-2026-03", ["202604", "202605"], "RECEIVED"),
]


def demo_refunds_seed(*, person_national_id: str) -> list[DemoLogin]:
    """Creates what is missing (idempotent); returns the guide's lines."""
    staff = {
        XIAN: User.objects.get(username="staff_xian"),
        TAIYUAN: User.objects.get(username="staff_taiyuan"),
    }
    employer = Employer.objects.get(code=EMPLOYER)
    if not RefundBatch.objects.filter(employer=employer).exists():
        _batches(employer, staff[XIAN])
    person = InsuredPerson.objects.get(national_id=person_national_id)
    if not ResidentRefund.objects.filter(applicant=person).exists():
        _resident_refunds(person, staff)
    return [
        DemoLogin(EMPLOYER, "", "", "差额退费：批次在各个状态、待转账户余额、清退申请待审核"),
        DemoLogin(person_national_id, "", "", "居民退费：各个状态的申请（/refunds/resident/）"),
        DemoLogin("staff_xian", "", "", "审核差额退费批次、清退申请和居民退费申请"),
    ]


def _batches(employer: Employer, staff: User) -> None:
    """The employer's employees' contributions on record, each base lowered by 1000 yuan."""
    for reference, periods, decision in BATCHES:
        first_day = timezone.make_aware(dt.datetime(int(periods[0][:4]), int(periods[0][4:]), 1))
        bases = Contribution.objects.filter(
            region_id=employer.region_id,
            period__in=periods,
            person__enrollments__employer=employer,
            person__enrollments__status="ACTIVE",
            person__enrollments__registered_at__lt=first_day,
        ).values_list("person__national_id", "period", "base_fen")
        items = [
            {
                "national_id": national_id,
                "period": period,
                "paid_base": f"{base_fen / 100:.2f}",
                "corrected_base": f"{(base_fen - 100_000) / 100:.2f}",
            }
            for national_id, period, base_fen in sorted(set(bases))
        ]
        batch = batches.refund_batch_receive(
            reference=reference,
            region_code=employer.region_id,
            employer_code=employer.code,
            periods=periods,
            items=items,
            submitted_by=None,
        )
        if decision == "APPROVED":
            batches.refund_batch_approve(batch_id=batch.pk, by=staff)
        elif decision == "REJECTED":
            batches.refund_batch_reject(
                batch_id=batch.pk, by=staff, reason="核定基数与税务部门复核结果不一致，请重新报送。"
            )
    available = clearances.clearance_available_fen(employer=employer)
    if available:
        clearances.clearance_request(
            employer=employer,
            amount=f"{available // 2 / 100:.2f}",
            bank_name=BANK[0],
            bank_account=BANK[1],
            by=employer.user,
        )


def _documents(*kinds: str) -> dict:
    return {
        kind: SimpleUploadedFile(f"{kind}.pdf", _PDF, content_type="application/pdf")
        for kind in kinds
    }


def _filing(today: dt.date) -> tuple[int, dt.datetime]:
    """(benefit year, moment of applying): today for next year while the collection window is
    open; otherwise mid-November of last year's window, for this year's premiums."""
    xian = Region.objects.get(pk=XIAN)
    try:
        resident.refund_window_check(region=xian, year=today.year + 1, today=today)
    except resident.Refused:
        return today.year, timezone.make_aware(dt.datetime(today.year - 1, 11, 16, 10))
    return today.year + 1, timezone.now()


def _resident_refunds(person: InsuredPerson, staff: dict) -> None:
    """Premiums of the demo person in Xi'an and Taiyuan and of his wife in Xi'an, with an
    application in each state (his own, and one he files as her agent)."""
    year, filed_at = _filing(timezone.localdate())
    wife = InsuredPerson.objects.filter(name="李秀英", national_id__startswith="610102").first()
    paid_at = timezone.make_aware(dt.datetime(year - 1, 9, 10, 9))
    for who, region in ((person, XIAN), (person, TAIYUAN), (wife, XIAN)):
        if who is not None:
            ResidentPremium.objects.get_or_create(
                person=who,
                region=Region.objects.get(pk=region),
                year=year,
                defaults={"amount_fen": 380_00, "paid_at": paid_at, "source": "FEED"},
            )

    def apply(refund_type, region, documents, **extra):
        return resident.resident_refund_apply(
            applicant=person,
            refund_type=refund_type,
            region_code=region,
            year=year,
            bank_name=BANK[0],
            bank_account=BANK[1],
            documents=_documents(*documents),
            at=filed_at,
            **extra,
        )

    apply("EMPLOYEE_INSURANCE", XIAN, ["other_insurance"])
    rejected = apply("PAYMENT_ERROR", TAIYUAN, ["payment_receipt"])
    resident.resident_refund_reject(
        refund_id=rejected.pk, by=staff[TAIYUAN], reason="缴费金额无误，不属于缴费错误。"
    )
    duplicate = apply("DUPLICATE", TAIYUAN, ["payment_receipt", "insurance_stopped"])
    resident.resident_refund_approve(refund_id=duplicate.pk, by=staff[TAIYUAN])
    if wife is not None:
        agent = apply(
            "EMPLOYEE_INSURANCE",
            XIAN,
            ["other_insurance", "power_of_attorney", "agent_id"],
            for_national_id=wife.national_id,
        )
        resident.resident_refund_materials_request(
            refund_id=agent.pk, by=staff[XIAN], note="授权委托书缺少被代办人签字，请重新上传。"
        )
