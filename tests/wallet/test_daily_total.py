"""The wallet's daily total (SPEC §4, seed 000): besides 3 transfers a day and 2,000 yuan a
transfer, what a sender moves out in a day is at most the region's daily total (default 2,000
yuan), checked when the transfer is asked for and again under lock when its code sends it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accounts.errors import BusinessRuleViolation
from accounts.models import Posting, RegionPolicy
from tests.wallet.factories import WALLET_REGION, family_pair, last_code, wallet_fen
from wallet.models import WalletDailyUsage, WalletTransfer
from wallet.services import transfers

pytestmark = pytest.mark.django_db
Status = WalletTransfer.Status


@pytest.fixture
def pair():
    return family_pair(balance_fen=1_000_000)  # 10,000.00 yuan


@pytest.fixture
def send(on_commit):
    def create(sender, recipient, amount, key):
        with on_commit():
            return transfers.wallet_transfer_create(
                sender=sender,
                to_national_id=recipient.national_id,
                amount=amount,
                idempotency_key=key,
            )

    return create


@pytest.fixture
def sent_and_accepted(send):
    def run(sender, recipient, amount, key):
        transfer = send(sender, recipient, amount, key)
        transfers.wallet_transfer_confirm(
            transfer_id=transfer.pk, sender=sender, code=last_code(sender)
        )
        return transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)

    return run


def test_the_daily_total_is_a_region_policy_of_2000_yuan_by_default():
    assert RegionPolicy().wallet_max_daily_amount == Decimal("2000.00")


def test_a_transfer_over_what_is_left_of_the_day_is_refused_saying_what_is_left(
    pair, send, sent_and_accepted
):
    # given: 1,500.00 sent and accepted today
    sender, recipient, _binding = pair
    sent_and_accepted(sender, recipient, "1500.00", "a")
    # when: 600.00 more (within 2,000 a transfer and 3 a day)
    with pytest.raises(BusinessRuleViolation) as caught:
        send(sender, recipient, "600.00", "b")
    # then: refused, naming the total, what went and what is left
    refusal = caught.value
    assert (refusal.rule, refusal.field, refusal.status_code) == ("daily_amount", "amount", 409)
    assert "2000.00" in refusal.message and "1500.00" in refusal.message
    assert "500.00" in refusal.message
    # and exactly what is left still goes
    assert sent_and_accepted(sender, recipient, "500.00", "c").status == Status.ACCEPTED
    assert wallet_fen(recipient) == 200_000
    call_command("verify_ledger")


def test_the_daily_total_follows_the_regions_policy(pair, send):
    sender, recipient, _binding = pair
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(wallet_max_daily_amount=300)
    with pytest.raises(BusinessRuleViolation, match="每日转账累计不超过 300.00 元"):
        send(sender, recipient, "300.01", "a")
    assert send(sender, recipient, "300.00", "b").status == Status.AWAITING_CODE


def test_the_next_day_the_total_starts_again(pair, send, sent_and_accepted, clock):
    from tests.wallet.conftest import shanghai

    sender, recipient, _binding = pair
    sent_and_accepted(sender, recipient, "2000.00", "a")
    with pytest.raises(BusinessRuleViolation, match="还可转 0.00 元"):
        send(sender, recipient, "0.01", "b")
    clock.move_to(shanghai(2025, 3, 11, 9, 0))
    assert send(sender, recipient, "2000.00", "c").status == Status.AWAITING_CODE


def test_the_daily_total_is_checked_again_when_the_code_is_confirmed(pair, send):
    """A transfer asked for when it fitted is refused at its code once the day's money went."""
    sender, recipient, _binding = pair
    pending = send(sender, recipient, "1200.00", "a")
    # given: 1,000.00 counted meanwhile (as a parallel confirmation does)
    WalletDailyUsage.objects.filter(sender=sender).update(
        amount_fen=100_000, max_amount_fen=200_000
    )
    with pytest.raises(BusinessRuleViolation) as caught:
        transfers.wallet_transfer_confirm(
            transfer_id=pending.pk, sender=sender, code=last_code(sender)
        )
    assert caught.value.rule == "daily_amount" and "还可转 1000.00 元" in caught.value.message
    # then: nothing counted, nothing moved; the transfer still waits for a code
    usage = WalletDailyUsage.objects.get(sender=sender)
    assert (usage.transfers, usage.amount_fen) == (0, 100_000)
    assert not Posting.objects.filter(kind=transfers.KIND_SEND).exists()
    pending.refresh_from_db()
    assert pending.status == Status.AWAITING_CODE
    call_command("verify_ledger")


def test_the_daily_usage_row_counts_the_money_with_the_regions_total_copied_in(
    pair, sent_and_accepted
):
    sender, recipient, _binding = pair
    sent_and_accepted(sender, recipient, "700.00", "a")
    sent_and_accepted(sender, recipient, "800.00", "b")
    usage = WalletDailyUsage.objects.get(sender=sender)
    assert (usage.transfers, usage.amount_fen, usage.max_amount_fen) == (2, 150_000, 200_000)


def test_the_database_refuses_a_daily_total_above_the_limit(pair):
    """The usage row's CHECK holds whatever the application did before."""
    sender, _recipient, _binding = pair
    usage = WalletDailyUsage.objects.create(
        sender=sender,
        day=dt.date(2025, 3, 10),
        transfers=1,
        max_transfers=3,
        amount_fen=200_000,
        max_amount_fen=200_000,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletDailyUsage.objects.filter(pk=usage.pk).update(amount_fen=200_001)


def test_the_transfer_page_shows_what_is_left_of_the_day(pair, sent_and_accepted, client):
    sender, recipient, _binding = pair
    sent_and_accepted(sender, recipient, "1234.56", "a")
    client.force_login(sender.user)
    page = client.get("/wallet/transfers/new/").content.decode()
    assert "今日剩余额度" in page
    assert "765.44 / 2000.00" in page
