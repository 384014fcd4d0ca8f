"""Real transactions racing on PostgreSQL: the lock order keeps balances right."""

import pytest

from accounts.models import LedgerAccount, Posting
from accounts.services import ledger
from tests.concurrency import run_in_threads
from tests.factories import InsuredPersonFactory, region

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

Kind = LedgerAccount.Kind


def test_parallel_spends_never_overdraw():
    # given: 100.00 on the account, ten spends of 30.00 at once
    fund = ledger.region_account(region=region("610100"))
    current = ledger.person_account(person=InsuredPersonFactory(), kind=Kind.PERSON_CURRENT)
    ledger.posting_create(
        from_account=fund,
        to_account=current,
        amount_fen=10_000,
        kind="CREDIT",
        idempotency_key="seed",
    )

    def spend(n):
        return lambda: ledger.posting_create(
            from_account=current,
            to_account=fund,
            amount_fen=3_000,
            kind="SPEND",
            idempotency_key=f"spend:{n}",
        )

    # when
    results = run_in_threads([spend(n) for n in range(10)])
    # then: exactly three succeed, the rest are refused for the balance
    succeeded = [r for r in results if isinstance(r, Posting)]
    refused = [r for r in results if isinstance(r, ledger.InsufficientBalance)]
    assert (len(succeeded), len(refused)) == (3, 7), results
    current.refresh_from_db()
    assert current.balance_fen == 1_000


def test_the_same_key_in_parallel_posts_once():
    fund = ledger.region_account(region=region("610100"))
    current = ledger.person_account(person=InsuredPersonFactory(), kind=Kind.PERSON_CURRENT)

    def credit():
        return ledger.posting_create(
            from_account=fund,
            to_account=current,
            amount_fen=500,
            kind="CREDIT",
            idempotency_key="credit:race",
        )

    results = run_in_threads([credit] * 8)
    assert all(isinstance(r, Posting) for r in results), results
    assert len({r.pk for r in results}) == 1
    current.refresh_from_db()
    assert current.balance_fen == 500


def test_opposite_transfers_do_not_deadlock():
    """A→B and B→A at once: both lock in primary-key order, so both complete."""
    fund = ledger.region_account(region=region("610100"))
    a = ledger.person_account(person=InsuredPersonFactory(), kind=Kind.PERSON_CURRENT)
    b = ledger.person_account(person=InsuredPersonFactory(), kind=Kind.PERSON_CURRENT)
    for account in (a, b):
        ledger.posting_create(
            from_account=fund,
            to_account=account,
            amount_fen=10_000,
            kind="CREDIT",
            idempotency_key=f"seed:{account.pk}",
        )

    def move(source, target, n):
        return lambda: ledger.posting_create(
            from_account=source,
            to_account=target,
            amount_fen=100,
            kind="MOVE",
            idempotency_key=f"move:{n}",
        )

    results = run_in_threads([move(a, b, n) if n % 2 else move(b, a, n) for n in range(20)])
    assert all(isinstance(r, Posting) for r in results), results
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.balance_fen == b.balance_fen == 10_000


def test_postgresql_refuses_to_change_or_delete_a_posting():
    """Append-only: corrections are new postings."""
    from django.db import DatabaseError, transaction

    fund = ledger.region_account(region=region("610100"))
    current = ledger.person_account(person=InsuredPersonFactory(), kind=Kind.WALLET)
    posting = ledger.posting_create(
        from_account=fund,
        to_account=current,
        amount_fen=100,
        kind="CREDIT",
        idempotency_key="immutable",
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).update(amount_fen=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).delete()
