"""The double-entry ledger: postings are the only way money moves, and they always add up."""

import contextlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.errors import BusinessRuleViolation
from accounts.models import LedgerAccount, Posting
from accounts.services import ledger
from tests.factories import InsuredPersonFactory, region

pytestmark = pytest.mark.django_db

Kind = LedgerAccount.Kind


@pytest.fixture
def accounts_pair():
    person = InsuredPersonFactory()
    return (
        ledger.region_account(region=region("610100")),
        ledger.person_account(person=person, kind=Kind.PERSON_CURRENT),
    )


def verify() -> str:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    return out.getvalue()


def test_a_posting_moves_money_and_the_ledger_sums_to_zero(accounts_pair):
    fund, current = accounts_pair
    ledger.posting_create(
        from_account=fund,
        to_account=current,
        amount_fen=12345,
        kind="CREDIT",
        idempotency_key="credit:1",
    )
    current.refresh_from_db()
    fund.refresh_from_db()
    assert str(current.balance) == "123.45"
    assert fund.balance_fen == -12345
    assert "ledger OK" in verify()


def test_the_same_idempotency_key_posts_once(accounts_pair):
    fund, current = accounts_pair
    first = ledger.posting_create(
        from_account=fund,
        to_account=current,
        amount_fen=100,
        kind="CREDIT",
        idempotency_key="credit:once",
    )
    again = ledger.posting_create(
        from_account=fund,
        to_account=current,
        amount_fen=100,
        kind="CREDIT",
        idempotency_key="credit:once",
    )
    assert again.pk == first.pk
    current.refresh_from_db()
    assert current.balance_fen == 100


def test_a_reused_key_for_different_money_is_a_conflict(accounts_pair):
    fund, current = accounts_pair
    ledger.posting_create(
        from_account=fund,
        to_account=current,
        amount_fen=100,
        kind="CREDIT",
        idempotency_key="credit:k",
    )
    with pytest.raises(BusinessRuleViolation):
        ledger.posting_create(
            from_account=fund,
            to_account=current,
            amount_fen=999,
            kind="CREDIT",
            idempotency_key="credit:k",
        )


def test_a_person_account_cannot_go_below_zero(accounts_pair):
    fund, current = accounts_pair
    with pytest.raises(ledger.InsufficientBalance):
        ledger.posting_create(
            from_account=current,
            to_account=fund,
            amount_fen=1,
            kind="SPEND",
            idempotency_key="spend:1",
        )
    assert not Posting.objects.exists()


def test_the_database_itself_refuses_a_negative_person_balance(accounts_pair):
    _fund, current = accounts_pair
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=current.pk).update(balance_fen=-1)


def test_the_database_refuses_a_duplicate_idempotency_key(accounts_pair):
    fund, current = accounts_pair
    Posting.objects.create(
        from_account=fund, to_account=current, amount_fen=1, kind="X", idempotency_key="dup"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.create(
            from_account=fund, to_account=current, amount_fen=1, kind="X", idempotency_key="dup"
        )


@pytest.mark.parametrize("amount", ["1.001", "abc", "NaN", "Infinity"])
def test_inexact_amounts_are_refused(amount):
    with pytest.raises(BusinessRuleViolation):
        ledger.yuan_to_fen(amount)


def test_floats_never_become_money():
    with pytest.raises(TypeError):
        ledger.yuan_to_fen(0.1)


def test_verify_ledger_fails_on_a_tampered_balance(accounts_pair):
    fund, current = accounts_pair
    ledger.posting_create(
        from_account=fund,
        to_account=current,
        amount_fen=500,
        kind="CREDIT",
        idempotency_key="credit:t",
    )
    LedgerAccount.objects.filter(pk=current.pk).update(balance_fen=600)
    with pytest.raises(CommandError, match="disagree"):
        verify()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    moves=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(1, 50_000)),
        min_size=1,
        max_size=25,
    )
)
def test_random_postings_keep_every_balance_consistent_and_never_negative(moves):
    """Whatever sequence of moves is attempted, refused ones change nothing."""
    with transaction.atomic():
        fund = ledger.region_account(region=region("140100"))
        people = [
            ledger.person_account(person=InsuredPersonFactory(), kind=kind)
            for kind in (Kind.PERSON_CURRENT, Kind.PERSON_CARRIED, Kind.WALLET)
        ]
        accounts = [fund, *people]
        for index, (source, target, amount) in enumerate(moves):
            if source == target:
                continue
            with contextlib.suppress(ledger.InsufficientBalance):
                ledger.posting_create(
                    from_account=accounts[source],
                    to_account=accounts[target],
                    amount_fen=amount,
                    kind="TEST",
                    idempotency_key=f"h:{index}",
                )
        assert "ledger OK" in verify()
        assert all(
            a.balance_fen >= 0
            for a in LedgerAccount.objects.exclude(kind__in=LedgerAccount.MAY_BE_NEGATIVE)
        )
        transaction.set_rollback(True)
