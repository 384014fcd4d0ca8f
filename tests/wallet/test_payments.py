"""Wallet money pays premiums and the self-paid part of bills; it is never cash."""

import pytest
from django.core.management import call_command

from accounts.errors import BusinessRuleViolation
from accounts.models import LedgerAccount, Posting
from accounts.services import ledger
from enrollment.models import Scheme
from tests.wallet.factories import (
    OTHER_REGION,
    WALLET_REGION,
    bind,
    insured_person,
    open_wallet,
    region,
    wallet_fen,
)
from wallet.models import Wallet, WalletPayment
from wallet.services import payments

pytestmark = pytest.mark.django_db


@pytest.fixture
def payer():
    """A wallet holding 500.00 yuan."""
    person = insured_person()
    wallet = open_wallet(person)
    ledger.posting_create(
        from_account=ledger.region_account(region=region()),
        to_account=wallet.account,
        amount_fen=50_000,
        kind="TEST",
        idempotency_key=f"wallet-seed:{wallet.pk}",
    )
    return person


def pay_premium(payer, member, amount="380.00", key="p1", year=2025):
    return payments.wallet_premium_pay(
        payer=payer,
        for_national_id=member.national_id,
        year=year,
        amount=amount,
        idempotency_key=key,
    )


def pay_bill(person, amount="120.50", bill="B-1", usage=WALLET_REGION):
    return payments.wallet_medical_pay(
        institution_label="service:hospital",
        national_id=person.national_id,
        institution_code="H14010001",
        institution_name="太原市人民医院",
        institution_region=region(usage),
        bill_reference=bill,
        amount=amount,
    )


def test_the_wallet_pays_a_family_members_resident_premium(payer):
    # given: a confirmed family member in resident insurance
    child = insured_person(scheme=Scheme.RESIDENT)
    bind(payer, child, "CHILD")
    # when
    payment = pay_premium(payer, child)
    # then: wallet → the region's fund, recorded for the child and year
    assert (payment.purpose, payment.beneficiary, payment.year) == ("RESIDENT_PREMIUM", child, 2025)
    assert wallet_fen(payer) == 50_000 - 38_000
    posting = Posting.objects.get(kind="WALLET_PREMIUM")
    assert posting.to_account.kind == LedgerAccount.Kind.REGION_FUND
    call_command("verify_ledger")


def test_a_premium_only_for_oneself_or_confirmed_family(payer):
    stranger = insured_person(scheme=Scheme.RESIDENT)
    with pytest.raises(BusinessRuleViolation, match="已确认绑定的家庭成员"):
        pay_premium(payer, stranger)


def test_a_premium_only_for_resident_insurance(payer):
    spouse = insured_person(scheme=Scheme.EMPLOYEE)
    bind(payer, spouse)
    with pytest.raises(BusinessRuleViolation, match="城乡居民医保"):
        pay_premium(payer, spouse)


def test_a_premium_once_per_member_and_year_and_a_retry_answers_the_same(payer):
    child = insured_person(scheme=Scheme.RESIDENT)
    bind(payer, child, "CHILD")
    first = pay_premium(payer, child, key="k")
    assert pay_premium(payer, child, key="k").pk == first.pk
    with pytest.raises(BusinessRuleViolation, match="已由医保钱包缴纳"):
        pay_premium(payer, child, key="other")
    assert wallet_fen(payer) == 50_000 - 38_000


def test_only_this_or_next_years_premium(payer):
    child = insured_person(scheme=Scheme.RESIDENT)
    bind(payer, child, "CHILD")
    with pytest.raises(BusinessRuleViolation, match="2025 或 2026"):
        pay_premium(payer, child, year=2024)
    assert pay_premium(payer, child, year=2026).year == 2026


def test_not_more_than_the_wallet_holds_says_the_balance(payer):
    child = insured_person(scheme=Scheme.RESIDENT)
    bind(payer, child, "CHILD")
    with pytest.raises(BusinessRuleViolation) as caught:
        pay_premium(payer, child, amount="500.01")
    assert "500.00" in caught.value.message and caught.value.status_code == 409
    assert not WalletPayment.objects.exists()


def test_a_designated_institution_settles_the_self_paid_part(payer):
    payment = pay_bill(payer)
    assert payment.purpose == "MEDICAL" and payment.institution_name == "太原市人民医院"
    assert wallet_fen(payer) == 50_000 - 12_050
    assert Posting.objects.get(kind="WALLET_MEDICAL").to_account.code == "INSTITUTION:H14010001"


def test_the_same_bill_again_is_the_same_payment_and_a_different_amount_a_conflict(payer):
    first = pay_bill(payer)
    assert pay_bill(payer).pk == first.pk
    with pytest.raises(BusinessRuleViolation) as caught:
        pay_bill(payer, amount="1.00")
    assert caught.value.status_code == 409
    assert wallet_fen(payer) == 50_000 - 12_050


def test_only_in_the_wallets_usage_region(payer):
    with pytest.raises(BusinessRuleViolation, match="使用地是太原市") as caught:
        pay_bill(payer, usage=OTHER_REGION)
    assert caught.value.status_code == 422


def test_wallet_money_is_never_cash():
    """Only the two purposes leave a wallet: anything else (a bank payout) is refused."""
    person = insured_person()
    wallet = open_wallet(person)
    with pytest.raises(BusinessRuleViolation, match="不能提取现金|只能用于"):
        payments._wallet_pay(
            wallet=wallet,
            to_account=ledger.external_account(code="BANK"),
            purpose="CASH",
            amount_fen=100,
            payment_fields={"beneficiary": person, "region": region()},
            idempotency_key="cash",
            actor=person,
        )
    assert set(WalletPayment.Purpose.values) == {"RESIDENT_PREMIUM", "MEDICAL"}
    assert Wallet.objects.get(person=person).account.balance_fen == 0
