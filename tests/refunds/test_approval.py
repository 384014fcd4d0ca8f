"""Staff of the batch's region approve it once: the refund moves from the region fund to the
employer's pending-transfer account (待转账户) and the employer is told; or they reject it with
a reason and no money moves."""

import io

import pytest
from django.core.management import call_command

from accounts.errors import BusinessRuleViolation
from accounts.models import AuditEvent, LedgerAccount, Notification, Posting
from refunds.models import RefundBatch
from refunds.services import batches
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def pending_balance(employer) -> int:
    return LedgerAccount.objects.get(kind="EMPLOYER_PENDING", employer=employer).balance_fen


def test_approval_moves_the_refund_from_the_region_fund_to_the_pending_account(
    received_batch, xian_staff, django_capture_on_commit_callbacks
):
    # when Xi'an staff approve the batch (3 months × 200 yuan)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batches.refund_batch_approve(batch_id=received_batch.pk, by=xian_staff)
    # then one posting of 600 yuan reached the employer's pending account from the fund
    posting = Posting.objects.get()
    assert (posting.amount_fen, posting.kind, posting.reference) == (
        60000,
        "REFUND_BATCH",
        "SW-2024-001",
    )
    assert (posting.from_account.kind, posting.from_account.region_id) == ("REGION_FUND", "610100")
    assert pending_balance(batch.employer) == 60000
    assert (batch.status, batch.decided_by) == (RefundBatch.Status.APPROVED, xian_staff)
    # and the employer is told, and the decision is audited
    notice = Notification.objects.get(employer=batch.employer)
    assert notice.kind == Notification.Kind.REFUND and "600.00" in notice.text
    assert AuditEvent.objects.filter(action="refund_batch_approve", actor=xian_staff).exists()
    call_command("verify_ledger", stdout=io.StringIO())


def test_a_batch_is_approved_only_once(received_batch, xian_staff):
    batches.refund_batch_approve(batch_id=received_batch.pk, by=xian_staff)
    with pytest.raises(BusinessRuleViolation) as refused:
        batches.refund_batch_approve(batch_id=received_batch.pk, by=xian_staff)
    assert refused.value.status_code == 409
    assert Posting.objects.count() == 1
    assert pending_balance(received_batch.employer) == 60000


def test_staff_of_another_region_may_not_decide(received_batch):
    taiyuan = StaffUserFactory(regions=["140100"])
    with pytest.raises(BusinessRuleViolation) as refused:
        batches.refund_batch_approve(batch_id=received_batch.pk, by=taiyuan)
    assert refused.value.status_code == 403
    received_batch.refresh_from_db()
    assert received_batch.status == RefundBatch.Status.RECEIVED
    assert not Posting.objects.exists()


def test_rejection_needs_a_reason_and_moves_no_money(received_batch, xian_staff):
    with pytest.raises(BusinessRuleViolation) as refused:
        batches.refund_batch_reject(batch_id=received_batch.pk, by=xian_staff, reason="  ")
    assert (refused.value.status_code, refused.value.field) == (422, "reason")
    batch = batches.refund_batch_reject(
        batch_id=received_batch.pk, by=xian_staff, reason="基数核定有误"
    )
    assert (batch.status, batch.reason) == (RefundBatch.Status.REJECTED, "基数核定有误")
    assert not Posting.objects.exists()
    assert "基数核定有误" in Notification.objects.get(employer=batch.employer).text
    with pytest.raises(BusinessRuleViolation):
        batches.refund_batch_approve(batch_id=batch.pk, by=xian_staff)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_staff_approving_at_the_same_moment_post_once(xian_staff):
    """Both press approve together: the batch row lock lets one through; the other waits,
    then finds the batch decided (409); one posting, the pending balance once."""
    from tests.concurrency import run_in_threads

    from .conftest import receive
    from .factories import batch_payload, employer_with_employees, item

    employer, (person,) = employer_with_employees(1)
    batch = receive(batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")]))
    other = StaffUserFactory(regions=["610100"])

    results = run_in_threads(
        [
            lambda: batches.refund_batch_approve(batch_id=batch.pk, by=xian_staff),
            lambda: batches.refund_batch_approve(batch_id=batch.pk, by=other),
        ]
    )
    approved = [r for r in results if isinstance(r, RefundBatch)]
    refused = [r for r in results if isinstance(r, BusinessRuleViolation)]
    assert len(approved) == 1 and len(refused) == 1, results
    assert refused[0].status_code == 409
    assert Posting.objects.filter(kind="REFUND_BATCH").count() == 1
    assert pending_balance(employer) == 20000
    call_command("verify_ledger", stdout=io.StringIO())
