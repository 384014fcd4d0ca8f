"""Wallet money pays resident premiums (the amount policy says) and is never cash.

The self-paid part of bills: tests/wallet/test_medical_payments.py.
"""

import pytest
from django.core.management import call_command

from accounts.errors import BusinessRuleViolation
from accounts.models import LedgerAccount, Posting, Region, ResidentPremiumRate
from accounts.services import ledger
from enrollment.models import Scheme
from tests.wallet.factories import (
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


@pytest.fixture(autouse=True)
def premium_rate():
    """Policy: a resident in 太原 pays 380.00 yuan for 2025."""
    return ResidentPremiumRate.objects.update_or_create(
        region=region(), year=2025, defaults={"amount_fen": 38_000}
    )[0]


def pay_premium(payer, member, amount=None, key="p1", year=2025):
    return payments.wallet_premium_pay(
        payer=payer,
        for_national_id=member.national_id,
        year=year,
        amount=amount,
        idempotency_key=key,
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


def test_the_premium_is_the_amount_policy_sets_not_what_the_payer_types(payer):
    """A typed amount other than the region's rate for the year is refused, naming `amount`."""
    # given
    child = insured_person(scheme=Scheme.RESIDENT)
    bind(payer, child, "CHILD")
    # when the payer types less than is due
    with pytest.raises(BusinessRuleViolation) as caught:
        pay_premium(payer, child, amount="1.00")
    # then refused, saying what is due; nothing paid
    assert caught.value.field == "amount" and "380.00" in caught.value.message
    assert wallet_fen(payer) == 50_000 and not WalletPayment.objects.exists()
    # and the amount due, typed or not, is paid
    assert pay_premium(payer, child, amount="380.00").amount_fen == 38_000


def test_a_premium_follows_the_rate_of_the_members_region_and_year(payer, premium_rate):
    # given: staff set 2026 higher
    child = insured_person(scheme=Scheme.RESIDENT)
    bind(payer, child, "CHILD")
    ResidentPremiumRate.objects.filter(region=region(), year=2026).update(amount_fen=41_000)
    # when
    payment = pay_premium(payer, child, year=2026)
    # then
    assert payment.amount_fen == 41_000 and wallet_fen(payer) == 50_000 - 41_000
    call_command("verify_ledger")


def test_no_rate_for_the_region_and_year_is_refused(payer):
    # given
    child = insured_person(scheme=Scheme.RESIDENT)
    bind(payer, child, "CHILD")
    ResidentPremiumRate.objects.filter(region=region(), year=2026).delete()
    # when / then
    with pytest.raises(BusinessRuleViolation, match="尚未设定 2026") as caught:
        pay_premium(payer, child, year=2026)
    assert caught.value.field == "year" and wallet_fen(payer) == 50_000


def test_every_region_has_placeholder_rates_from_the_migration():
    """2025–2027 for every region, so premiums can be paid before staff set the real ones."""
    for year in (2025, 2026, 2027):
        assert ResidentPremiumRate.objects.filter(year=year).count() == Region.objects.count()


def test_not_more_than_the_wallet_holds_says_the_balance(payer, premium_rate):
    child = insured_person(scheme=Scheme.RESIDENT)
    bind(payer, child, "CHILD")
    premium_rate.amount_fen = 50_001
    premium_rate.save()
    with pytest.raises(BusinessRuleViolation) as caught:
        pay_premium(payer, child)
    assert "500.00" in caught.value.message and caught.value.status_code == 409
    assert not WalletPayment.objects.exists()


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
