"""清退 (SPEC §6): the employer asks to pay pending money to its bank account; the amount is
at most what is available, reserved while the request waits; staff of its region approve
(the money leaves through the ledger to the bank counterparty, once) or reject."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.errors import BusinessRuleViolation
from accounts.models import LedgerAccount, Notification, Posting
from refunds.models import Clearance
from refunds.services import batches, clearances
from tests.factories import EmployerFactory, StaffUserFactory, UserFactory

from .conftest import receive
from .factories import batch_payload, employer_with_employees, item

pytestmark = pytest.mark.django_db
API = "/api/v1/employer/clearances/"
ACCOUNT = "6222020200001234567"


def with_pending_money(staff, reference="SW-1"):
    """An employer whose pending account holds 600 yuan (an approved batch)."""
    employer, (person,) = employer_with_employees(1)
    items = [item(person, p, "10000.00", "8000.00") for p in ("202404", "202405", "202406")]
    batch = receive(batch_payload(employer, items, reference=reference))
    batches.refund_batch_approve(batch_id=batch.pk, by=staff)
    employer.user = UserFactory(username=employer.code, kind="EMPLOYER")
    employer.save(update_fields=["user"])
    return employer


def ask(employer, amount, account=ACCOUNT):
    return clearances.clearance_request(
        employer=employer,
        amount=amount,
        bank_name="中国工商银行",
        bank_account=account,
        by=employer.user,
    )


def balance(employer) -> int:
    return LedgerAccount.objects.get(kind="EMPLOYER_PENDING", employer=employer).balance_fen


def test_a_waiting_request_reserves_its_amount(xian_staff):
    employer = with_pending_money(xian_staff)
    ask(employer, "400.00")
    assert clearances.clearance_available_fen(employer=employer) == 20000
    with pytest.raises(BusinessRuleViolation) as refused:
        ask(employer, "200.01")
    assert (refused.value.status_code, refused.value.field) == (409, "amount")
    assert "200.00" in refused.value.message
    ask(employer, "200.00")
    assert Clearance.objects.filter(status="PENDING").count() == 2


@pytest.mark.parametrize(
    "account", ["12345", "6222-0202-0000-1234", "1" * 31, "６２２２０２０２００００１２３４"]
)
def test_the_bank_account_is_10_to_30_digits(xian_staff, account):
    employer = with_pending_money(xian_staff)
    with pytest.raises(BusinessRuleViolation) as refused:
        ask(employer, "1.00", account=account)
    assert refused.value.field == "bank_account"
    assert not Clearance.objects.exists()


def test_approval_pays_the_bank_once_and_tells_the_employer(xian_staff):
    employer = with_pending_money(xian_staff)
    clearance = ask(employer, "600.00")
    clearances.clearance_approve(clearance_id=clearance.pk, by=xian_staff)
    posting = Posting.objects.get(kind="CLEARANCE")
    assert (posting.amount_fen, posting.to_account.kind, posting.to_account.code) == (
        60000,
        "EXTERNAL",
        "BANK",
    )
    assert balance(employer) == 0
    assert Notification.objects.filter(employer=employer, text__contains="600.00").exists()
    with pytest.raises(BusinessRuleViolation) as again:
        clearances.clearance_approve(clearance_id=clearance.pk, by=xian_staff)
    assert again.value.status_code == 409
    assert Posting.objects.filter(kind="CLEARANCE").count() == 1
    call_command("verify_ledger", stdout=io.StringIO())


def test_rejection_releases_the_reservation(xian_staff):
    employer = with_pending_money(xian_staff)
    clearance = ask(employer, "600.00")
    assert clearances.clearance_available_fen(employer=employer) == 0
    clearances.clearance_reject(clearance_id=clearance.pk, by=xian_staff, reason="账号有误")
    assert clearances.clearance_available_fen(employer=employer) == 60000
    assert balance(employer) == 60000


def test_staff_of_another_region_may_not_decide(xian_staff):
    employer = with_pending_money(xian_staff)
    clearance = ask(employer, "100.00")
    with pytest.raises(BusinessRuleViolation) as refused:
        clearances.clearance_approve(
            clearance_id=clearance.pk, by=StaffUserFactory(regions=["140100"])
        )
    assert refused.value.status_code == 403
    assert not Posting.objects.filter(kind="CLEARANCE").exists()


def test_the_api_takes_a_request_and_lists_only_the_callers(xian_staff):
    from rest_framework.test import APIClient

    employer = with_pending_money(xian_staff)
    other = with_pending_money(xian_staff, reference="SW-2")
    ask(other, "50.00")
    client = APIClient()
    client.force_authenticate(employer.user)
    response = client.post(
        API, {"amount": "100.00", "bank_name": "建设银行", "bank_account": ACCOUNT}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "PENDING"
    listed = client.get(API).json()["results"]
    assert [(c["amount"], c["bank_account"]) for c in listed] == [("100.00", "****4567")]
    too_much = client.post(
        API, {"amount": "500.01", "bank_name": "建设银行", "bank_account": ACCOUNT}, format="json"
    )
    assert too_much.status_code == 409 and "amount" in too_much.json()["errors"]


def test_the_portal_form_asks_and_the_page_lists_the_employers_requests(client, xian_staff):
    employer = with_pending_money(xian_staff)
    other = with_pending_money(xian_staff, reference="SW-2")
    ask(other, "55.55")
    client.force_login(employer.user)
    client.post(
        reverse("refunds:clearance-request"),
        {"amount": "123.45", "bank_name": "中国银行", "bank_account": ACCOUNT},
    )
    page = client.get(reverse("refunds:pending-account")).content.decode()
    assert "123.45" in page and "476.55" in page  # requested, and what stays available
    assert "55.55" not in page
    assert Clearance.objects.get(employer=employer).amount == Decimal("123.45")


def test_staff_approve_in_the_admin(client, xian_staff):
    employer = with_pending_money(xian_staff)
    clearance = ask(employer, "600.00")
    client.force_login(xian_staff)
    url = reverse("admin:refunds_clearance_review", args=[clearance.pk])
    assert "600.00" in client.get(url).content.decode()
    assert client.post(url, {"decision": "approve"}).status_code == 302
    clearance.refresh_from_db()
    assert clearance.status == Clearance.Status.APPROVED
    assert (
        client.get(
            reverse("admin:refunds_clearance_review", args=[ask_other(xian_staff).pk])
        ).status_code
        == 404
    )


def ask_other(staff):
    """A request of an employer outside Xi'an (Taiyuan), which Xi'an staff do not see."""
    employer = EmployerFactory(region_id="140100")
    return Clearance.objects.create(
        employer=employer, amount_fen=100, bank_name="x", bank_account=ACCOUNT
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvals_at_the_same_moment_pay_once(xian_staff):
    from tests.concurrency import run_in_threads

    employer = with_pending_money(xian_staff)
    clearance = ask(employer, "600.00")
    other = StaffUserFactory(regions=["610100"])
    results = run_in_threads(
        [
            lambda: clearances.clearance_approve(clearance_id=clearance.pk, by=xian_staff),
            lambda: clearances.clearance_approve(clearance_id=clearance.pk, by=other),
        ]
    )
    assert sum(isinstance(r, Clearance) for r in results) == 1, results
    assert sum(isinstance(r, BusinessRuleViolation) for r in results) == 1, results
    assert Posting.objects.filter(kind="CLEARANCE").count() == 1
    assert balance(employer) == 0
    call_command("verify_ledger", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_requests_at_the_same_moment_cannot_both_take_the_balance(xian_staff):
    """Each asks for 400 of 600: the pending account's lock makes the second see the first's
    reservation."""
    from tests.concurrency import run_in_threads

    employer = with_pending_money(xian_staff)
    results = run_in_threads([lambda: ask(employer, "400.00"), lambda: ask(employer, "400.00")])
    assert sum(isinstance(r, Clearance) for r in results) == 1, results
    assert Clearance.objects.count() == 1
