"""Staff of the premium's region review within 20 working days from complete materials; asking
for materials stops the clock, which starts afresh when they arrive. Approval posts the
premium from the region fund to the bank counterparty, once; other regions see nothing."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from accounts.errors import BusinessRuleViolation
from accounts.models import AuditEvent, CalendarDay, LedgerAccount, Notification, Posting
from refunds import selectors
from refunds.models import ResidentRefund
from refunds.services import resident

from .resident import TAIYUAN, apply, documents, staff, waiting_refund

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
Status = ResidentRefund.Status


def test_the_due_date_skips_a_holiday_of_the_calendar(in_window):
    # given: 3–7 November 2025 declared days off
    for day in range(3, 8):
        CalendarDay.objects.create(
            date=dt.date(2025, 11, day), kind=CalendarDay.Kind.HOLIDAY, name="测试假期"
        )
    # when
    refund = waiting_refund()
    # then: 20 working days after 15 October, a week later than without the holiday
    assert refund.due_date == dt.date(2025, 11, 19)


def test_asking_for_materials_stops_the_clock_and_their_arrival_restarts_it(in_window):
    refund = waiting_refund()
    reviewer = staff()
    asked = resident.resident_refund_materials_request(
        refund_id=refund.pk, by=reviewer, note="请补充缴费凭证原件照片"
    )
    assert (asked.status, asked.complete_on, asked.due_date) == (
        Status.MATERIALS_REQUESTED,
        None,
        None,
    )
    # the applicant sends them on Monday 27 October: 20 working days from then
    in_window.move_to(dt.datetime(2025, 10, 27, 2, tzinfo=dt.UTC))
    sent = resident.resident_refund_materials_submit(
        refund_id=refund.pk, applicant=refund.applicant, documents=documents("supplement")
    )
    assert (sent.status, sent.complete_on) == (Status.WAITING, dt.date(2025, 10, 27))
    assert sent.due_date == dt.date(2025, 11, 24)
    steps = list(sent.events.values_list("status", "by_label"))
    assert steps == [
        ("WAITING", "申请人本人"),
        ("MATERIALS_REQUESTED", "西安市 医保经办机构"),
        ("WAITING", "申请人本人"),
    ]
    notices = Notification.objects.filter(reference=f"resident-refund:{refund.pk}")
    assert notices.count() == 3
    assert set(notices.values_list("kind", flat=True)) == {Notification.Kind.REFUND}


def test_materials_only_when_asked_and_only_by_the_applicant(in_window):
    refund = waiting_refund()
    with pytest.raises(BusinessRuleViolation) as caught:
        resident.resident_refund_materials_submit(
            refund_id=refund.pk, applicant=refund.applicant, documents=documents("supplement")
        )
    assert caught.value.status_code == 409
    resident.resident_refund_materials_request(refund_id=refund.pk, by=staff(), note="身份证")
    other = waiting_refund().applicant
    with pytest.raises(BusinessRuleViolation) as caught:
        resident.resident_refund_materials_submit(
            refund_id=refund.pk, applicant=other, documents=documents("supplement")
        )
    assert caught.value.status_code == 404


def test_approval_posts_the_premium_from_the_region_fund_to_the_bank_once(in_window):
    refund = waiting_refund()
    reviewer = staff()
    approved = resident.resident_refund_approve(refund_id=refund.pk, by=reviewer)
    assert (approved.status, approved.decided_by) == (Status.APPROVED, reviewer)
    posting = Posting.objects.get(kind="RESIDENT_REFUND")
    assert posting.amount_fen == 380_00
    assert posting.from_account.kind == LedgerAccount.Kind.REGION_FUND
    assert posting.from_account.region_id == "610100"
    assert (posting.to_account.kind, posting.to_account.code) == ("EXTERNAL", "BANK")
    with pytest.raises(BusinessRuleViolation) as caught:
        resident.resident_refund_approve(refund_id=refund.pk, by=reviewer)
    assert caught.value.status_code == 409
    assert Posting.objects.filter(kind="RESIDENT_REFUND").count() == 1
    assert AuditEvent.objects.filter(action="resident_refund.approve", actor=reviewer).exists()
    call_command("verify_ledger", stdout=io.StringIO())


def test_rejection_needs_a_reason_and_moves_no_money(in_window):
    refund = waiting_refund()
    with pytest.raises(BusinessRuleViolation) as caught:
        resident.resident_refund_reject(refund_id=refund.pk, by=staff(), reason=" ")
    assert caught.value.field == "reason"
    rejected = resident.resident_refund_reject(refund_id=refund.pk, by=staff(), reason="已享受待遇")
    assert (rejected.status, rejected.reason, rejected.due_date) == (
        Status.REJECTED,
        "已享受待遇",
        None,
    )
    assert not Posting.objects.filter(kind="RESIDENT_REFUND").exists()
    assert AuditEvent.objects.filter(action="resident_refund.reject").exists()


def test_a_rejected_premium_may_be_applied_for_again(in_window):
    refund = waiting_refund()
    resident.resident_refund_reject(refund_id=refund.pk, by=staff(), reason="材料不符")
    again = apply(refund.applicant)
    assert again.status == Status.WAITING


def test_staff_of_another_region_see_nothing_and_cannot_act(in_window):
    refund = waiting_refund()
    stranger = staff(TAIYUAN)
    assert not selectors.resident_refunds_for_staff(user=stranger).exists()
    for act in (
        lambda: resident.resident_refund_approve(refund_id=refund.pk, by=stranger),
        lambda: resident.resident_refund_reject(refund_id=refund.pk, by=stranger, reason="x"),
        lambda: resident.resident_refund_materials_request(
            refund_id=refund.pk, by=stranger, note="x"
        ),
    ):
        with pytest.raises(BusinessRuleViolation) as caught:
            act()
        assert caught.value.status_code == 404
    assert ResidentRefund.objects.get(pk=refund.pk).status == Status.WAITING


def test_staff_work_overdue_first_then_due_soon(in_window):
    late, soon, later = waiting_refund(), waiting_refund(), waiting_refund()
    ResidentRefund.objects.filter(pk=late.pk).update(due_date=dt.date(2025, 10, 14))
    ResidentRefund.objects.filter(pk=soon.pk).update(due_date=dt.date(2025, 10, 16))
    ordered = selectors.resident_refunds_for_staff(user=staff()).order_by("urgency", "due_date")
    assert list(ordered.values_list("pk", "urgency")) == [
        (late.pk, selectors.Urgency.OVERDUE),
        (soon.pk, selectors.Urgency.DUE_SOON),
        (later.pk, selectors.Urgency.ON_TIME),
    ]


def test_a_refunded_premium_is_not_refunded_again(in_window):
    refund = waiting_refund()
    resident.resident_refund_approve(refund_id=refund.pk, by=staff())
    with pytest.raises(BusinessRuleViolation) as caught:
        apply(refund.applicant)
    assert (caught.value.field, caught.value.rule) == ("year", "already_refunded")
