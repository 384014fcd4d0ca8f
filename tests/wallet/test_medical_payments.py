"""A designated institution settles from a wallet only with the person's payment code.

The code is bound to the person, one institution and a ceiling, lives five minutes and pays
once; any refusal is one answer that tells the institution nothing about the person.
"""

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.errors import BusinessRuleViolation
from accounts.models import Posting
from accounts.services.ledger import yuan_to_fen
from tests.wallet.factories import OTHER_REGION, region, wallet_fen
from tests.wallet.payment_factories import code_for, funded_person, institution
from wallet.models import PaymentCode, WalletPayment
from wallet.services import payments, wallets
from wallet.services.payment_codes import payment_code_digest

pytestmark = pytest.mark.django_db


def settle(at, code, *, amount="120.50", bill="B-1"):
    return payments.wallet_medical_pay(
        institution=at,
        payment_code=code,
        bill_reference=bill,
        amount=amount,
        actor_label=f"service:{at.service_user.username}",
    )


@pytest.fixture
def hospital():
    return institution()


def test_a_valid_code_settles_the_self_paid_part_once(hospital):
    # given: 500.00 in the wallet and a code for this hospital up to 200.00
    person = funded_person(50_000)
    code = code_for(person, hospital)
    # when
    payment = settle(hospital, code)
    # then: paid to the institution, the code used
    assert (payment.purpose, payment.beneficiary, payment.institution_name) == (
        "MEDICAL",
        person,
        "太原市人民医院",
    )
    assert wallet_fen(person) == 50_000 - 12_050
    assert Posting.objects.get(kind="WALLET_MEDICAL").to_account.code == "INSTITUTION:H14010001"
    row = PaymentCode.objects.get()
    assert row.used_at is not None and row.status == "USED"
    # and a second bill with the same code is refused
    with pytest.raises(payments.PaymentNotAuthorised):
        settle(hospital, code, bill="B-2")
    assert wallet_fen(person) == 50_000 - 12_050
    assert PaymentCode.objects.get().refusal == PaymentCode.Refusal.USED
    call_command("verify_ledger")


def test_the_same_bill_and_code_again_is_the_same_payment_and_another_amount_a_conflict(
    hospital,
):
    person = funded_person(50_000)
    code = code_for(person, hospital)
    first = settle(hospital, code)
    assert settle(hospital, code).pk == first.pk
    with pytest.raises(BusinessRuleViolation) as caught:
        settle(hospital, code, amount="1.00")
    assert caught.value.status_code == 409
    assert wallet_fen(person) == 50_000 - 12_050


def test_only_a_hash_of_the_code_is_stored(hospital):
    person = funded_person()
    code = code_for(person, hospital)
    row = PaymentCode.objects.get()
    assert row.digest == payment_code_digest(code) and code not in row.digest
    assert len(code) == 18 and code.isdigit()


def test_a_new_code_ends_the_persons_earlier_unused_ones(hospital):
    person = funded_person()
    old = code_for(person, hospital)
    new = code_for(person, hospital)
    with pytest.raises(payments.PaymentNotAuthorised):
        settle(hospital, old)
    assert settle(hospital, new).amount_fen == 12_050


def test_codes_only_for_institutions_in_the_wallets_usage_region():
    person = funded_person()
    elsewhere = institution(code="H14020001", name="大同市第一人民医院", region_code=OTHER_REGION)
    with pytest.raises(BusinessRuleViolation, match="使用地") as caught:
        code_for(person, elsewhere)
    assert caught.value.field == "institution" and not PaymentCode.objects.exists()


def _refusal_cases(hospital, clock):
    """Each case: (label, setup returning the code to send, the reason the person sees)."""
    pharmacy = institution(code="P14010002", name="太原大药房")

    def no_code(person):
        return ""

    def unknown_code(person):
        return "123456789012345678"

    def expired(person):
        code = code_for(person, hospital)
        clock.shift(dt.timedelta(minutes=5, seconds=1))
        return code

    def used(person):
        code = code_for(person, hospital)
        settle(hospital, code, amount="1.00", bill="EARLIER")
        return code

    def other_institution(person):
        return code_for(person, pharmacy)

    def over_ceiling(person):
        return code_for(person, hospital, max_amount="120.49")

    def insufficient(person):
        code = code_for(person, hospital, max_amount="9999.00")
        return code

    def usage_region_moved(person):
        code = code_for(person, hospital)
        wallets.wallet_usage_region_change(by=person, usage_region=region(OTHER_REGION))
        return code

    return [
        ("no_code", no_code, None),
        ("unknown_code", unknown_code, None),
        ("expired", expired, PaymentCode.Refusal.EXPIRED),
        ("used", used, PaymentCode.Refusal.USED),
        ("other_institution", other_institution, PaymentCode.Refusal.OTHER_INSTITUTION),
        ("over_ceiling", over_ceiling, PaymentCode.Refusal.OVER_CEILING),
        ("insufficient", insufficient, PaymentCode.Refusal.INSUFFICIENT),
        ("usage_region_moved", usage_region_moved, PaymentCode.Refusal.OTHER_REGION),
    ]


def test_every_refusal_is_one_answer_that_reveals_nothing_about_the_person(hospital, clock):
    """Missing, unknown, expired, used, foreign or over-ceiling codes, too little money or
    another usage region: the institution gets the same status and message each time, with
    no balance and no region in it; the person sees the reason on their code."""
    answers = {}
    for label, setup, reason in _refusal_cases(hospital, clock):
        # given: a wallet with 150.00 (120.50 fits, 9,999.00 does not)
        person = funded_person(15_000)
        code = setup(person)
        before = wallet_fen(person)
        amount = "9999.00" if label == "insufficient" else "120.50"
        # when
        with pytest.raises(BusinessRuleViolation) as caught:
            settle(hospital, code, amount=amount, bill=f"BILL-{label}")
        # then: nothing paid
        assert wallet_fen(person) == before, label
        answers[label] = (caught.value.status_code, caught.value.message, caught.value.field)
        # and the person, not the institution, learns why
        if reason is not None:
            row = PaymentCode.objects.filter(person=person).order_by("-pk").first()
            assert (row.refusal, row.refused_amount_fen) == (reason, yuan_to_fen(amount))
    assert len(set(answers.values())) == 1, answers
    status, message, field = next(iter(answers.values()))
    assert (status, field) == (402, "payment_code")
    for leak in ("150.00", "150", "太原", "大同", "余额", "使用地", "过期", "已使用"):
        assert leak not in message
    assert not WalletPayment.objects.filter(bill_reference__startswith="BILL-").exists()
    call_command("verify_ledger")
