"""Applying for a transfer (SPEC §5): every unmet condition is named in one refusal."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.errors import BusinessRuleViolation
from accounts.models import AccountingPeriod, AuditEvent, Notification, Region, RegionPolicy
from enrollment.models import Enrollment, EnrollmentStatus, Scheme
from tests.factories import EnrollmentFactory, InsuredPersonFactory
from transfers.models import TransferApplication, TransferStatus
from transfers.services import TransferRefused, transfer_apply, transfer_due_dates

from .factories import TAIYUAN, XIAN, contribution, id_images, ready_person

pytestmark = pytest.mark.django_db


def apply(person, *, scheme=Scheme.EMPLOYEE, from_code=XIAN, to_code=TAIYUAN, **files):
    return transfer_apply(
        person=person,
        from_region=Region.objects.get(pk=from_code),
        to_region=Region.objects.get(pk=to_code),
        scheme=scheme,
        **(files or id_images()),
    )


def refusal(person, **kwargs) -> str:
    with pytest.raises(TransferRefused) as caught:
        apply(person, **kwargs)
    return caught.value.message


def test_an_application_meeting_every_condition_is_submitted_audited_and_notified(
    django_capture_on_commit_callbacks,
):
    """The application is SUBMITTED with both due dates, a timeline entry by the applicant, an
    audit row and a notice to the applicant."""
    person, _account = ready_person()
    with django_capture_on_commit_callbacks(execute=True):
        application = apply(person)
    assert application.status == TransferStatus.SUBMITTED
    assert [e.by_label for e in application.events.all()] == ["申请人本人"]
    assert AuditEvent.objects.filter(action="transfer.apply", object_id=application.pk).exists()
    assert Notification.objects.filter(person=person, reference=f"transfer:{application.pk}")
    assert application.id_front.name != "front.png"  # stored under a random name


def test_an_old_enrollment_not_stopped_is_named():
    person, _account = ready_person()
    Enrollment.objects.filter(person=person, region_id=XIAN).update(status=EnrollmentStatus.ACTIVE)
    assert "尚未停保（当前为“正常参保”）" in refusal(person)


def test_no_record_in_the_old_region_is_named():
    person, _account = ready_person()
    assert "没有城乡居民医保参保记录" in refusal(person, scheme=Scheme.RESIDENT)


def test_no_real_payment_record_is_named():
    person, _account = ready_person(periods=())
    assert "没有实际缴费记录" in refusal(person)


def test_an_unpaid_contribution_is_no_payment_record():
    person, account = ready_person(periods=())
    contribution(account, "202501", paid=False)
    assert "没有实际缴费记录" in refusal(person)


def test_a_new_enrollment_not_active_is_named():
    person, _account = ready_person()
    Enrollment.objects.filter(person=person, region_id=TAIYUAN).update(
        status=EnrollmentStatus.SUSPENDED
    )
    assert "新参保地 太原市 尚未正常参保" in refusal(person)


def test_arrears_are_named_only_where_the_old_regions_policy_asks():
    """An assessed period of the old enrollment with no payment (欠费) refuses where 转出地's
    policy says so (部分地区), and nowhere else."""
    person, account = ready_person(periods=("202501", "202503"))
    xian = Region.objects.get(pk=XIAN)
    for period in ("202501", "202502", "202503"):
        AccountingPeriod.objects.create(
            region=xian, period=period, status=AccountingPeriod.Status.CLOSED
        )
    AccountingPeriod.objects.create(region=xian, period="202504")  # the open one
    assert apply(person).status == TransferStatus.SUBMITTED
    TransferApplication.objects.all().delete()

    RegionPolicy.objects.filter(region=xian).update(transfer_refuse_arrears=True)
    assert "有欠费（202502）" in refusal(person)


def test_an_open_application_already_is_named():
    person, _account = ready_person()
    first = apply(person)
    assert f"已有一笔办理中的转移接续申请（#{first.pk}）" in refusal(person)


def test_a_period_under_assessment_on_either_side_is_named():
    person, _account = ready_person()
    for code in (XIAN, TAIYUAN):
        AccountingPeriod.objects.create(
            region_id=code, period="202510", status=AccountingPeriod.Status.ASSESSED
        )
    message = refusal(person)
    assert "统筹区 610100 的做账期号 202510 已核定" in message
    assert "统筹区 140100 的做账期号 202510 已核定" in message


def test_retirees_are_refused_where_the_policy_switch_says_so():
    person, _account = ready_person()
    person.retired = True
    person.save()
    assert apply(person).status == TransferStatus.SUBMITTED
    TransferApplication.objects.all().delete()
    RegionPolicy.objects.filter(region_id=XIAN).update(transfer_retirees_allowed=False)
    assert "退休人员的转移接续另行办理" in refusal(person)


def test_every_unmet_condition_is_named_in_one_refusal():
    """Not stopped, no payment and no new enrollment at once: three numbered reasons."""
    person = InsuredPersonFactory(with_user=True)
    EnrollmentFactory(person=person, region=Region.objects.get(pk=XIAN))
    with pytest.raises(TransferRefused) as caught:
        apply(person)
    assert len(caught.value.reasons) == 3
    assert caught.value.message.startswith("不能办理转移接续：1. ")
    assert "3. 新参保地" in caught.value.message
    assert not TransferApplication.objects.exists()


def test_the_same_region_on_both_sides_is_refused():
    person, _account = ready_person()
    with pytest.raises(BusinessRuleViolation) as caught:
        apply(person, to_code=XIAN)
    assert caught.value.field == "to_region"


def test_a_renamed_executable_is_refused_as_an_id_card_image():
    """The type is checked by content: a Windows executable named .png is refused."""
    person, _account = ready_person()
    files = id_images()
    files["id_front"] = SimpleUploadedFile("front.png", b"MZ\x90\x00" + b"\x00" * 60)
    with pytest.raises(BusinessRuleViolation) as caught:
        apply(person, **files)
    assert caught.value.field == "id_front"
    assert "只接受 PDF、JPG 或 PNG" in caught.value.message
    assert not TransferApplication.objects.exists()


@pytest.mark.parametrize(
    ("applied", "out_due", "complete_due"),
    [
        # Across National Day 2025 (SPEC §1): Thursday 16 and Thursday 23 October.
        (dt.date(2025, 9, 26), dt.date(2025, 10, 16), dt.date(2025, 10, 23)),
        # Across Spring Festival 2026: 15–23 Feb off, Sat 14 and Sat 28 Feb worked; Wed 11 Feb
        # → 10th working day Tue 3 Mar, 15th Tue 10 Mar.
        (dt.date(2026, 2, 11), dt.date(2026, 3, 3), dt.date(2026, 3, 10)),
    ],
)
def test_deadlines_count_working_days_from_the_day_after_the_application(
    applied, out_due, complete_due
):
    """转出 within 10 working days of submission, the whole within 15."""
    assert transfer_due_dates(
        from_region=Region.objects.get(pk=XIAN),
        to_region=Region.objects.get(pk=TAIYUAN),
        day=applied,
    ) == (out_due, complete_due)


def test_an_application_made_on_26_september_2025_shows_both_due_dates():
    person, _account = ready_person()
    with time_machine.travel(dt.datetime(2025, 9, 26, 10, tzinfo=dt.UTC), tick=False):
        application = apply(person)
    assert (application.out_due, application.complete_due) == (
        dt.date(2025, 10, 16),
        dt.date(2025, 10, 23),
    )


def test_a_region_may_set_shorter_deadlines():
    RegionPolicy.objects.filter(region_id=XIAN).update(transfer_out_days=5)
    RegionPolicy.objects.filter(region_id=TAIYUAN).update(transfer_in_days=3)
    assert transfer_due_dates(
        from_region=Region.objects.get(pk=XIAN),
        to_region=Region.objects.get(pk=TAIYUAN),
        day=dt.date(2025, 9, 26),
    ) == (dt.date(2025, 10, 10), dt.date(2025, 10, 14))
