"""Suspended means no sending or spending (SPEC §2): while a person's enrollment in a region is
SUSPENDED (暂停, e.g. a name check: the record may be someone else's), nothing leaves their
personal account or wallet there; the refusal says why and what to do."""

import pytest
from django.core.management import call_command

from accounts.errors import BusinessRuleViolation
from accounts.models import Posting, ResidentPremiumRate
from enrollment.models import Enrollment, EnrollmentStatus, Scheme
from tests.factories import EnrollmentFactory
from tests.wallet.factories import (
    WALLET_REGION,
    balance,
    bind,
    family_pair,
    insured_person,
    last_code,
    region,
    wallet_fen,
)
from tests.wallet.payment_factories import code_for, funded_person, institution
from wallet.models import PaymentCode, WalletTransfer
from wallet.services import payment_codes, payments, transfers

pytestmark = pytest.mark.django_db
Status = WalletTransfer.Status


def suspend(person, *, scheme=None) -> None:
    """As the name check does: the person's active records in the region become SUSPENDED."""
    records = Enrollment.objects.filter(person=person, region_id=WALLET_REGION)
    if scheme is not None:
        records = records.filter(scheme=scheme)
    records.update(status=EnrollmentStatus.SUSPENDED)


def request(sender, recipient, amount="100.00", key="k1"):
    return transfers.wallet_transfer_create(
        sender=sender, to_national_id=recipient.national_id, amount=amount, idempotency_key=key
    )


def says_why_and_what_to_do(refusal: BusinessRuleViolation) -> None:
    assert refusal.rule == "enrollment_suspended"
    assert refusal.status_code == 409
    assert "暂停" in refusal.message and "太原" in refusal.message
    assert "姓名核实" in refusal.message and "急需就医" in refusal.message


# --- sending ------------------------------------------------------------------------------


def test_a_person_suspended_where_the_account_is_cannot_send():
    # given: a funded sender whose employee enrollment in 太原 is suspended for a name check
    sender, recipient, _binding = family_pair(balance_fen=100_000)
    suspend(sender)
    # when
    with pytest.raises(BusinessRuleViolation) as caught:
        request(sender, recipient)
    # then: refused, saying why and what to do; nothing asked for, nothing moved
    says_why_and_what_to_do(caught.value)
    assert not WalletTransfer.objects.exists()
    assert balance(sender.personal_accounts.get()) == 100_000


def test_suspended_between_the_request_and_the_code_nothing_is_sent(on_commit):
    # given: a transfer waiting for its code
    sender, recipient, _binding = family_pair(balance_fen=100_000)
    with on_commit():
        transfer = request(sender, recipient)
    # when: the record is suspended before the code is entered
    suspend(sender)
    with pytest.raises(BusinessRuleViolation) as caught:
        transfers.wallet_transfer_confirm(
            transfer_id=transfer.pk, sender=sender, code=last_code(sender)
        )
    # then: refused; the money stays and the transfer still waits for its code
    says_why_and_what_to_do(caught.value)
    transfer.refresh_from_db()
    assert transfer.status == Status.AWAITING_CODE
    assert balance(sender.personal_accounts.get()) == 100_000
    assert not Posting.objects.filter(kind=transfers.KIND_SEND).exists()
    call_command("verify_ledger")


def test_a_suspended_resident_record_beside_an_active_employee_one_still_sends(on_commit):
    """Only the records behind the personal account (employee, flexible) count for sending: a
    resident record suspended as the lower scheme (rule 1) leaves the account usable."""
    sender, recipient, _binding = family_pair(balance_fen=100_000)
    EnrollmentFactory(person=sender, region=region(), scheme=Scheme.RESIDENT)
    suspend(sender, scheme=Scheme.RESIDENT)
    with on_commit():
        transfer = request(sender, recipient)
    transfer = transfers.wallet_transfer_confirm(
        transfer_id=transfer.pk, sender=sender, code=last_code(sender)
    )
    assert transfer.status == Status.SENT
    call_command("verify_ledger")


def test_restored_the_person_can_send_again(on_commit):
    """Once staff restore the record (name confirmed, or 急需就医), sending works again."""
    sender, recipient, _binding = family_pair(balance_fen=100_000)
    suspend(sender)
    with pytest.raises(BusinessRuleViolation):
        request(sender, recipient)
    Enrollment.objects.filter(person=sender).update(status=EnrollmentStatus.ACTIVE)
    with on_commit():
        assert request(sender, recipient, key="k2").status == Status.AWAITING_CODE


def test_the_transfer_page_says_so_before_the_person_tries(client):
    sender, _recipient, _binding = family_pair(balance_fen=100_000)
    suspend(sender)
    client.force_login(sender.user)
    page = client.get("/wallet/transfers/new/").content.decode()
    assert "参保登记已暂停" in page and "急需就医" in page


# --- spending -----------------------------------------------------------------------------


def test_a_person_suspended_where_the_wallet_is_insured_cannot_pay_a_premium():
    # given: a wallet holding 500.00 and a child in resident insurance; the payer suspended
    ResidentPremiumRate.objects.update_or_create(
        region=region(), year=2025, defaults={"amount_fen": 38_000}
    )
    payer = funded_person(50_000)
    child = insured_person(scheme=Scheme.RESIDENT)
    bind(payer, child, "CHILD")
    suspend(payer)
    # when
    with pytest.raises(BusinessRuleViolation) as caught:
        payments.wallet_premium_pay(
            payer=payer, for_national_id=child.national_id, year=2025, idempotency_key="p1"
        )
    # then
    says_why_and_what_to_do(caught.value)
    assert wallet_fen(payer) == 50_000
    call_command("verify_ledger")


def test_a_suspended_person_gets_no_payment_code_and_is_told_why():
    hospital = institution()
    person = funded_person(50_000)
    suspend(person)
    with pytest.raises(BusinessRuleViolation) as caught:
        payment_codes.payment_code_create(
            person=person, institution_code=hospital.code, max_amount="200.00"
        )
    says_why_and_what_to_do(caught.value)
    assert not PaymentCode.objects.exists()


def test_a_code_made_before_the_suspension_no_longer_pays():
    """The hospital gets the one answer for any refusal; the person sees why on the code."""
    # given: a code made while insured, then the suspension
    hospital = institution()
    person = funded_person(50_000)
    code = code_for(person, hospital)
    suspend(person)
    # when
    with pytest.raises(payments.PaymentNotAuthorised):
        payments.wallet_medical_pay(
            institution=hospital, payment_code=code, bill_reference="B-1", amount="120.50"
        )
    # then: nothing paid, the reason kept for the person
    assert wallet_fen(person) == 50_000
    assert PaymentCode.objects.get().refusal == PaymentCode.Refusal.SUSPENDED
    call_command("verify_ledger")
