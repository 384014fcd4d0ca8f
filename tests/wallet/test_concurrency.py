"""Real transactions racing on PostgreSQL: limits, balances and states hold under concurrency."""

import time

import pytest
from django.core.management import call_command

from accounts.errors import BusinessRuleViolation, RuleViolation
from accounts.models import LedgerAccount, Notification, PersonalAccount, Posting, RegionPolicy
from accounts.selectors import ledger_totals
from tests.concurrency import run_in_threads
from tests.wallet.factories import WALLET_REGION, family_pair, wallet_fen
from wallet.models import WalletDailyUsage, WalletTransfer
from wallet.services import transfers

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
Status = WalletTransfer.Status


def code_for(transfer: WalletTransfer) -> str:
    body = Notification.objects.get(reference=transfer.reference).text
    return body.split("验证码 ")[1][:6]


def complete_transfer(sender, recipient, n: int, amount: str):
    """One person's whole attempt: request, code, accept — retried while another one waits.

    Returns the final transfer, or the refusal that ends the attempt for good.
    """
    for attempt in range(400):
        try:
            transfer = transfers.wallet_transfer_create(
                sender=sender,
                to_national_id=recipient.national_id,
                amount=amount,
                idempotency_key=f"race-{n}-{attempt}",
            )
            transfer = transfers.wallet_transfer_confirm(
                transfer_id=transfer.pk, sender=sender, code=code_for(transfer)
            )
            return transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)
        except RuleViolation as exc:
            # Waiting for another's acceptance, or this request replaced by another's.
            if exc.rule not in ("awaiting_acceptance", "finished", "code_in_progress"):
                return exc
            time.sleep(0.005)
    raise AssertionError("never finished")


def assert_ledger_holds():
    call_command("verify_ledger")
    assert ledger_totals()["negative_accounts"] == 0


def personal_balance(person) -> int:
    account = PersonalAccount.objects.select_related("current", "carried").get(person=person)
    return account.current.balance_fen + account.carried.balance_fen


def test_twenty_parallel_transfers_stop_exactly_at_the_daily_limit():
    # given: plenty of money and codes, the default 3 transfers a day
    sender, recipient, _binding = family_pair(balance_fen=1_000_000)
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(wallet_codes_per_day=1000)
    # when: 20 requests (each with its confirm and accept) at once
    results = run_in_threads(
        [lambda n=n: complete_transfer(sender, recipient, n, "100.00") for n in range(20)]
    )
    # then: exactly 3 went through, the others were refused for the daily limit
    accepted = [r for r in results if isinstance(r, WalletTransfer)]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(accepted) == 3, results
    assert {r.rule for r in refused} == {"daily_limit"} and len(refused) == 17
    assert WalletDailyUsage.objects.get(sender=sender).transfers == 3
    assert wallet_fen(recipient) == 30_000
    assert personal_balance(sender) == 1_000_000 - 30_000
    assert_ledger_holds()


def test_twenty_parallel_transfers_stop_exactly_at_the_balance():
    # given: 250.00 and a daily limit raised above the number of requests
    sender, recipient, _binding = family_pair(balance_fen=25_000)
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(
        wallet_max_transfers_per_day=50, wallet_codes_per_day=1000
    )
    # when
    results = run_in_threads(
        [lambda n=n: complete_transfer(sender, recipient, n, "100.00") for n in range(20)]
    )
    # then: two of 100.00 fit, nothing goes negative
    accepted = [r for r in results if isinstance(r, WalletTransfer)]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(accepted) == 2, results
    assert {r.rule for r in refused} == {"balance"}
    assert personal_balance(sender) == 5_000
    assert wallet_fen(recipient) == 20_000
    assert_ledger_holds()


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_parallel_requests_leave_one_waiting_for_its_code_and_count_every_code_sent():
    """Twelve requests at once, four codes a day: each code sent is counted, never more than
    four, and exactly one request is left waiting for its code."""
    sender, recipient, _binding = family_pair(balance_fen=1_000_000)
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(wallet_codes_per_day=4)
    results = run_in_threads(
        [
            lambda n=n: transfers.wallet_transfer_create(
                sender=sender,
                to_national_id=recipient.national_id,
                amount="10.00",
                idempotency_key=f"p{n}",
            )
            for n in range(12)
        ]
    )
    made = [r for r in results if isinstance(r, WalletTransfer)]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(made) + len(refused) == 12, results
    assert {r.rule for r in refused} <= {"daily_codes", "code_in_progress"}
    usage = WalletDailyUsage.objects.get(sender=sender)
    assert 1 <= usage.codes_sent == len(made) <= 4
    assert Notification.objects.filter(person=sender).count() == usage.codes_sent
    waiting = WalletTransfer.objects.filter(sender=sender, status=Status.AWAITING_CODE)
    assert waiting.count() == 1
    assert WalletTransfer.objects.filter(sender=sender).count() == len(made)


def test_parallel_wrong_codes_on_one_transfer_stop_at_the_days_limit():
    sender, recipient, _binding = family_pair()
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(
        wallet_code_attempts=100, wallet_code_failures_per_day=5
    )
    transfer = transfers.wallet_transfer_create(
        sender=sender, to_national_id=recipient.national_id, amount="5.00", idempotency_key="w"
    )
    bad = wrong(code_for(transfer))
    results = run_in_threads(
        [
            lambda: transfers.wallet_transfer_confirm(
                transfer_id=transfer.pk, sender=sender, code=bad
            )
        ]
        * 12
    )
    assert all(isinstance(r, BusinessRuleViolation) for r in results), results
    told_wrong = [r for r in results if not isinstance(r, RuleViolation)]
    assert len(told_wrong) == 4  # the fifth is told the day's limit is reached
    assert any(getattr(r, "rule", "") == "code_attempts_daily" for r in results)
    assert WalletDailyUsage.objects.get(sender=sender).code_failures == 5
    transfer.refresh_from_db()
    assert transfer.status == Status.CANCELLED and transfer.code_failures == 4


def test_parallel_wrong_codes_across_several_transfers_never_pass_the_days_limit():
    """Eight people guess at once, each request after request (each new request cancels the
    one before): the day's count stops at the limit, and exactly that many were counted."""
    sender, recipient, _binding = family_pair()
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(
        wallet_code_attempts=100, wallet_code_failures_per_day=6, wallet_codes_per_day=1000
    )

    def guess(n: int) -> list[str]:
        answers = []
        for attempt in range(200):
            try:
                transfer = transfers.wallet_transfer_create(
                    sender=sender,
                    to_national_id=recipient.national_id,
                    amount="1.00",
                    idempotency_key=f"g{n}-{attempt}",
                )
                transfers.wallet_transfer_confirm(
                    transfer_id=transfer.pk, sender=sender, code=wrong(code_for(transfer))
                )
            except RuleViolation as exc:
                answers.append(exc.rule)
                if exc.rule == "code_attempts_daily":
                    return answers
            except BusinessRuleViolation:
                answers.append("wrong")
        raise AssertionError("never reached the day's limit")

    results = run_in_threads([lambda n=n: guess(n) for n in range(8)])
    assert all(isinstance(r, list) for r in results), results
    answers = [a for r in results for a in r]
    assert set(answers) <= {"wrong", "code_attempts_daily", "finished", "code_in_progress"}
    assert answers.count("wrong") == 5  # the sixth counted wrong code answers the day's limit
    assert WalletDailyUsage.objects.get(sender=sender).code_failures == 6
    assert WalletTransfer.objects.filter(sender=sender).count() > 1
    assert not Posting.objects.filter(kind=transfers.KIND_SEND).exists()


def test_parallel_confirms_of_one_transfer_post_once():
    sender, recipient, _binding = family_pair()
    transfer = transfers.wallet_transfer_create(
        sender=sender, to_national_id=recipient.national_id, amount="50.00", idempotency_key="one"
    )
    code = code_for(transfer)
    results = run_in_threads(
        [
            lambda: transfers.wallet_transfer_confirm(
                transfer_id=transfer.pk, sender=sender, code=code
            )
        ]
        * 10
    )
    assert all(isinstance(r, WalletTransfer) and r.status == Status.SENT for r in results), results
    assert Posting.objects.filter(kind=transfers.KIND_SEND).count() == 1
    assert WalletDailyUsage.objects.get(sender=sender).transfers == 1
    assert_ledger_holds()


def test_parallel_accepts_of_one_transfer_post_once():
    sender, recipient, _binding = family_pair()
    transfer = transfers.wallet_transfer_create(
        sender=sender, to_national_id=recipient.national_id, amount="50.00", idempotency_key="one"
    )
    transfers.wallet_transfer_confirm(
        transfer_id=transfer.pk, sender=sender, code=code_for(transfer)
    )
    results = run_in_threads(
        [lambda: transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)]
        * 10
    )
    assert all(isinstance(r, WalletTransfer) for r in results), results
    assert Posting.objects.filter(kind=transfers.KIND_ACCEPT).count() == 1
    assert wallet_fen(recipient) == 5_000
    assert_ledger_holds()


def test_parallel_requests_with_one_idempotency_key_make_one_transfer():
    sender, recipient, _binding = family_pair()
    results = run_in_threads(
        [
            lambda: transfers.wallet_transfer_create(
                sender=sender,
                to_national_id=recipient.national_id,
                amount="5.00",
                idempotency_key="same",
            )
        ]
        * 10
    )
    assert all(isinstance(r, WalletTransfer) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert WalletTransfer.objects.count() == 1


def test_an_accept_racing_the_0600_return_exactly_one_wins():
    """Ten transfers, each accepted while the return job takes it: one outcome each, money once."""
    outcomes = []
    for round_ in range(10):
        sender, recipient, _binding = family_pair(balance_fen=10_000)
        transfer = transfers.wallet_transfer_create(
            sender=sender,
            to_national_id=recipient.national_id,
            amount="100.00",
            idempotency_key=f"r{round_}",
        )
        transfers.wallet_transfer_confirm(
            transfer_id=transfer.pk, sender=sender, code=code_for(transfer)
        )
        accept, returned = run_in_threads(
            [
                lambda t=transfer, r=recipient: transfers.wallet_transfer_accept(
                    transfer_id=t.pk, recipient=r
                ),
                lambda t=transfer: transfers.wallet_transfer_return(transfer_id=t.pk),
            ]
        )
        transfer.refresh_from_db()
        if transfer.status == Status.ACCEPTED:
            assert isinstance(accept, WalletTransfer) and returned is False
            assert (wallet_fen(recipient), personal_balance(sender)) == (10_000, 0)
        else:
            assert transfer.status == Status.RETURNED
            assert isinstance(accept, RuleViolation) and returned is True
            assert (wallet_fen(recipient), personal_balance(sender)) == (0, 10_000)
        holding = LedgerAccount.objects.get(person=sender, kind=LedgerAccount.Kind.WALLET_HOLDING)
        assert holding.balance_fen == 0
        outcomes.append(transfer.status)
    assert_ledger_holds()
    assert set(outcomes) <= {Status.ACCEPTED, Status.RETURNED}


def test_two_transfers_that_together_exceed_the_daily_total_exactly_one_goes_through():
    """Seed 000: a daily total per sender (default 2,000 yuan) holds under concurrency."""
    # given: plenty of money, codes and transfers a day; 1,200.00 each fits, both do not
    sender, recipient, _binding = family_pair(balance_fen=1_000_000)
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(wallet_codes_per_day=1000)
    # when: both at once
    results = run_in_threads(
        [lambda n=n: complete_transfer(sender, recipient, n, "1200.00") for n in range(2)]
    )
    # then: one went through, the other was refused for the daily total
    accepted = [r for r in results if isinstance(r, WalletTransfer)]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(accepted) == 1 and len(refused) == 1, results
    assert refused[0].rule == "daily_amount"
    usage = WalletDailyUsage.objects.get(sender=sender)
    assert (usage.transfers, usage.amount_fen) == (1, 120_000)
    assert wallet_fen(recipient) == 120_000
    assert personal_balance(sender) == 1_000_000 - 120_000
    assert_ledger_holds()


def test_many_parallel_transfers_stop_exactly_at_the_daily_total():
    # given: 800.00 each: two fit in 2,000.00, a third does not (the count limit is raised)
    sender, recipient, _binding = family_pair(balance_fen=1_000_000)
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(
        wallet_codes_per_day=1000, wallet_max_transfers_per_day=100
    )
    results = run_in_threads(
        [lambda n=n: complete_transfer(sender, recipient, n, "800.00") for n in range(8)]
    )
    accepted = [r for r in results if isinstance(r, WalletTransfer)]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(accepted) == 2 and len(refused) == 6, results
    assert {r.rule for r in refused} == {"daily_amount"}
    assert WalletDailyUsage.objects.get(sender=sender).amount_fen == 160_000
    assert wallet_fen(recipient) == 160_000
    assert_ledger_holds()


def test_a_whole_transfer_is_fifteen_statements_with_every_new_check_folded_in():
    """Request (one read, one write: the code counted, the phone change and the day's wrong
    codes read with the rest), confirm and accept: the benchmark's 15 statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import InsuredPerson

    sender, recipient, _binding = family_pair()
    counts = []
    with CaptureQueriesContext(connection) as request:
        transfer = transfers.wallet_transfer_create(
            sender=InsuredPerson(pk=sender.pk),
            to_national_id=recipient.national_id,
            amount="1.00",
            idempotency_key="count",
        )
    code = code_for(transfer)
    with CaptureQueriesContext(connection) as confirm:
        transfers.wallet_transfer_confirm(
            transfer_id=transfer.pk, sender=InsuredPerson(pk=sender.pk), code=code
        )
    with CaptureQueriesContext(connection) as accept:
        transfers.wallet_transfer_accept(
            transfer_id=transfer.pk, recipient=InsuredPerson(pk=recipient.pk)
        )
    for context in (request, confirm, accept):
        # the outbox row is the default sender's, not the transfer's
        counts.append(
            sum("accounts_notification" not in q["sql"] for q in context.captured_queries)
        )
    assert counts == [2, 8, 5], counts
