"""The workflow SUBMITTED → OUT_APPROVED → COMPLETED, REJECTED or WITHDRAWN, and the money
moved through the ledger (SPEC §5)."""

import io

import pytest
from django.core.management import call_command

from accounts.errors import BusinessRuleViolation
from accounts.models import AuditEvent, LedgerAccount, Notification, PersonalAccount, Region
from enrollment.models import Enrollment, EnrollmentStatus
from tests.factories import InsuredPersonFactory, StaffUserFactory
from transfers.models import TransferStatus
from transfers.services import (
    NotFound,
    transfer_apply,
    transfer_in_accept,
    transfer_out_approve,
    transfer_reject,
    transfer_withdraw,
)

from .factories import BEIJING, TAIYUAN, XIAN, id_images, parts, ready_person

pytestmark = pytest.mark.django_db

S = TransferStatus


def staff(*codes):
    return StaffUserFactory(regions=[Region.objects.get(pk=code) for code in codes])


def submitted(**kwargs):
    person, account = ready_person(**kwargs)
    application = transfer_apply(
        person=person,
        from_region=Region.objects.get(pk=XIAN),
        to_region=Region.objects.get(pk=TAIYUAN),
        scheme="EMPLOYEE",
        **id_images(),
    )
    return application, account


def transit_balance() -> int:
    return LedgerAccount.objects.get(kind="TRANSFER_TRANSIT", region_id=XIAN).balance_fen


def ledger_clean() -> None:
    call_command("verify_ledger", stdout=io.StringIO())  # raises on any difference


def test_out_approval_moves_both_parts_to_in_transit_and_issues_the_certificate():
    application, account = submitted(current_fen=123_45, carried_fen=5_000_00)
    application = transfer_out_approve(application_id=application.pk, by=staff(XIAN))
    assert application.status == S.OUT_APPROVED
    assert parts(account) == (0, 0)
    assert transit_balance() == 5_123_45
    assert application.transit_parts == [
        {"account": account.pk, "current": 123_45, "carried": 5_000_00}
    ]
    assert application.certificate_number.startswith("610100")
    assert application.certificate_data["balance"] == "5123.45"
    assert application.certificate_data["months_by_year"] == {"2024": 2, "2025": 2}
    ledger_clean()


def test_in_acceptance_lands_the_money_apart_and_closes_the_old_side():
    """Current-year and carried-over stay apart in the new account; the old account closes
    and the old enrollment says it was transferred out; the person is known in the new region."""
    application, account = submitted(current_fen=123_45, carried_fen=5_000_00)
    transfer_out_approve(application_id=application.pk, by=staff(XIAN))
    application = transfer_in_accept(application_id=application.pk, by=staff(TAIYUAN))
    assert application.status == S.COMPLETED
    new = PersonalAccount.objects.get(person=application.person, region_id=TAIYUAN)
    assert parts(new) == (123_45, 5_000_00)
    assert transit_balance() == 0
    assert PersonalAccount.objects.get(pk=account.pk).status == PersonalAccount.Status.CLOSED
    old = Enrollment.objects.get(person=application.person, region_id=XIAN)
    assert old.status == EnrollmentStatus.STOPPED
    assert "已转出：太原市" in old.status_reason
    assert application.person.region_links.filter(region_id=TAIYUAN).exists()
    ledger_clean()


def test_accepting_twice_moves_nothing_twice():
    application, _account = submitted()
    transfer_out_approve(application_id=application.pk, by=staff(XIAN))
    transfer_out_approve(application_id=application.pk, by=staff(XIAN))
    transfer_in_accept(application_id=application.pk, by=staff(TAIYUAN))
    transfer_in_accept(application_id=application.pk, by=staff(TAIYUAN))
    new = PersonalAccount.objects.get(person=application.person, region_id=TAIYUAN)
    assert sum(parts(new)) == 5_123_45
    assert [e.status for e in application.events.all()] == [
        S.SUBMITTED,
        S.OUT_APPROVED,
        S.COMPLETED,
    ]
    ledger_clean()


def test_a_rejection_after_transfer_out_returns_the_money_to_the_old_account():
    application, account = submitted(current_fen=1_00, carried_fen=2_00)
    transfer_out_approve(application_id=application.pk, by=staff(XIAN))
    application = transfer_reject(
        application_id=application.pk, by=staff(TAIYUAN), reason="转入地未查到参保登记"
    )
    assert application.status == S.REJECTED
    assert parts(account) == (1_00, 2_00)
    assert transit_balance() == 0
    assert application.events.last().note == "转入地未查到参保登记"
    ledger_clean()


def test_the_out_side_rejects_a_submitted_application_with_a_reason():
    application, account = submitted()
    with pytest.raises(BusinessRuleViolation) as caught:
        transfer_reject(application_id=application.pk, by=staff(XIAN), reason="  ")
    assert caught.value.field == "reason"
    application = transfer_reject(application_id=application.pk, by=staff(XIAN), reason="材料不清")
    assert application.status == S.REJECTED
    assert application.reject_reason == "材料不清"
    assert parts(account) == (123_45, 5_000_00)


def test_every_step_is_audited_and_notified(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application, _account = submitted()
        transfer_out_approve(application_id=application.pk, by=staff(XIAN))
        transfer_in_accept(application_id=application.pk, by=staff(TAIYUAN))
    actions = set(
        AuditEvent.objects.filter(
            object_id=application.pk, object_type="transfers.transferapplication"
        ).values_list("action", flat=True)
    )
    assert actions == {"transfer.apply", "transfer.out_approve", "transfer.in_accept"}
    notices = Notification.objects.filter(reference=f"transfer:{application.pk}").order_by("pk")
    assert [n.kind for n in notices] == [Notification.Kind.TRANSFER] * 3
    assert notices[0].link == f"/transfers/{application.pk}/"
    assert "已办结" in notices.last().text


def test_the_applicant_withdraws_only_while_submitted():
    application, _account = submitted()
    person = application.person
    assert transfer_withdraw(application_id=application.pk, person=person).status == S.WITHDRAWN

    again, _account = submitted()
    transfer_out_approve(application_id=again.pk, by=staff(XIAN))
    with pytest.raises(BusinessRuleViolation, match="不能进行此操作"):
        transfer_withdraw(application_id=again.pk, person=again.person)


def test_someone_elses_application_cannot_be_withdrawn_or_seen():
    application, _account = submitted()
    with pytest.raises(NotFound):
        transfer_withdraw(application_id=application.pk, person=InsuredPersonFactory())


@pytest.mark.parametrize(
    ("step", "side_code"),
    [("out", TAIYUAN), ("out", BEIJING), ("in", XIAN), ("in", BEIJING)],
)
def test_each_side_acts_only_on_its_own_step(step, side_code):
    """转入地 staff cannot approve the 转出 step, 转出地 staff cannot accept the 转入 step,
    staff of an unrelated region neither: 403 and nothing changes."""
    application, account = submitted()
    if step == "in":
        transfer_out_approve(application_id=application.pk, by=staff(XIAN))
        act = transfer_in_accept
    else:
        act = transfer_out_approve
    with pytest.raises(BusinessRuleViolation) as caught:
        act(application_id=application.pk, by=staff(side_code))
    assert caught.value.status_code == 403
    with pytest.raises(BusinessRuleViolation) as caught:
        transfer_reject(application_id=application.pk, by=staff(side_code), reason="x")
    assert caught.value.status_code == 403
    application.refresh_from_db()
    assert application.status == (S.SUBMITTED if step == "out" else S.OUT_APPROVED)


@pytest.mark.parametrize("final", ["withdraw", "reject", "complete"])
def test_nothing_moves_a_finished_application(final):
    application, _account = submitted()
    xian, taiyuan = staff(XIAN), staff(TAIYUAN)
    if final == "withdraw":
        transfer_withdraw(application_id=application.pk, person=application.person)
    elif final == "reject":
        transfer_reject(application_id=application.pk, by=xian, reason="材料不全")
    else:
        transfer_out_approve(application_id=application.pk, by=xian)
        transfer_in_accept(application_id=application.pk, by=taiyuan)
    forbidden = [
        lambda: transfer_withdraw(application_id=application.pk, person=application.person),
        lambda: transfer_reject(application_id=application.pk, by=taiyuan, reason="x"),
        lambda: transfer_reject(application_id=application.pk, by=xian, reason="x"),
    ]
    if final != "complete":
        forbidden += [
            lambda: transfer_out_approve(application_id=application.pk, by=xian),
            lambda: transfer_in_accept(application_id=application.pk, by=taiyuan),
        ]
    for attempt in forbidden:
        with pytest.raises(BusinessRuleViolation):
            attempt()


def test_in_acceptance_waits_for_the_out_step():
    application, _account = submitted()
    with pytest.raises(BusinessRuleViolation, match="不能进行此操作"):
        transfer_in_accept(application_id=application.pk, by=staff(TAIYUAN))
