"""One payment code used twice at the same moment pays once (PostgreSQL, real connections)."""

import pytest
from django.core.management import call_command

from tests.concurrency import run_in_threads
from tests.wallet.factories import wallet_fen
from tests.wallet.payment_factories import code_for, funded_person, institution
from wallet.models import PaymentCode, WalletPayment
from wallet.services import payments

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_code_sent_twice_at_once_pays_once():
    # given: 500.00 in the wallet, one code up to 200.00
    hospital = institution()
    person = funded_person(50_000)
    code = code_for(person, hospital)

    def settle(bill: str):
        return lambda: payments.wallet_medical_pay(
            institution=hospital, payment_code=code, bill_reference=bill, amount="150.00"
        )

    # when two bills race with the same code
    results = run_in_threads([settle("RACE-1"), settle("RACE-2")])
    # then one paid, the other got the one refusal
    paid = [r for r in results if isinstance(r, WalletPayment)]
    refused = [r for r in results if isinstance(r, payments.PaymentNotAuthorised)]
    assert (len(paid), len(refused)) == (1, 1), results
    assert WalletPayment.objects.filter(purpose="MEDICAL").count() == 1
    assert wallet_fen(person) == 50_000 - 15_000
    assert PaymentCode.objects.get().refusal == PaymentCode.Refusal.USED
    call_command("verify_ledger")
