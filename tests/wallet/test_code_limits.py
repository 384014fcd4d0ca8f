"""One-time codes cannot be guessed across transfers, and a new phone sends nothing for a while:
wrong codes are limited per person per day, one request waits for its code at a time, codes
sent per person per day are capped, and transfers out wait 24 hours after a phone change."""

import datetime as dt

import pytest

from accounts.errors import BusinessRuleViolation, RuleViolation
from accounts.models import AuditEvent, InsuredPerson, Notification, Posting, RegionPolicy
from tests.wallet.conftest import shanghai
from tests.wallet.factories import WALLET_REGION, client_for, family_pair, last_code
from wallet.models import WalletDailyUsage, WalletTransfer
from wallet.services import transfers

pytestmark = pytest.mark.django_db
Status = WalletTransfer.Status


@pytest.fixture
def pair():
    return family_pair(balance_fen=1_000_000)


@pytest.fixture
def send(on_commit):
    def create(sender, recipient, amount="10.00", key=None):
        with on_commit():
            return transfers.wallet_transfer_create(
                sender=sender,
                to_national_id=recipient.national_id,
                amount=amount,
                idempotency_key=key or f"k{WalletTransfer.objects.count()}",
            )

    return create


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def confirm(transfer, sender, code):
    return transfers.wallet_transfer_confirm(transfer_id=transfer.pk, sender=sender, code=code)


def policy(**values):
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(**values)


# --- wrong codes per person per day -----------------------------------------------------------


def test_wrong_codes_are_limited_per_person_per_day_across_transfers(pair, send, clock):
    # given: 5 wrong codes a transfer, 10 a day (the defaults)
    sender, recipient, _binding = pair
    failures = []
    # when: 4 wrong codes on each of two transfers, then two more on a third
    for count in (4, 4, 2):
        transfer = send(sender, recipient)
        for _n in range(count):
            with pytest.raises(BusinessRuleViolation) as caught:
                confirm(transfer, sender, wrong(last_code(sender)))
            failures.append(caught.value)
    # then: the tenth wrong code of the day ends it, and the person is told
    last = failures[-1]
    assert isinstance(last, RuleViolation) and last.rule == "code_attempts_daily"
    assert "今日验证码已输错 10 次" in last.message and last.field == "code"
    assert "今日还可以再试 1 次" in failures[-2].message
    transfer.refresh_from_db()
    assert transfer.status == Status.CANCELLED
    assert WalletDailyUsage.objects.get(sender=sender).code_failures == 10
    # and: no new request today, tomorrow again
    with pytest.raises(RuleViolation) as caught:
        send(sender, recipient)
    assert caught.value.rule == "code_attempts_daily"
    clock.move_to(shanghai(2025, 3, 11, 9, 0))
    transfer = send(sender, recipient)
    assert confirm(transfer, sender, last_code(sender)).status == Status.SENT


def test_once_the_days_wrong_codes_are_used_up_even_the_right_code_is_refused(pair, send):
    sender, recipient, _binding = pair
    transfer = send(sender, recipient)
    # given: the day's wrong codes were used up meanwhile (another device, another transfer)
    WalletDailyUsage.objects.filter(sender=sender).update(code_failures=10, max_code_failures=10)
    # when / then
    with pytest.raises(RuleViolation) as caught:
        confirm(transfer, sender, last_code(sender))
    assert caught.value.rule == "code_attempts_daily"
    transfer.refresh_from_db()
    assert transfer.status == Status.AWAITING_CODE
    assert not Posting.objects.filter(kind=transfers.KIND_SEND).exists()


def test_the_api_answer_says_the_days_wrong_codes_are_used_up(pair, send):
    sender, recipient, _binding = pair
    policy(wallet_code_failures_per_day=1)
    transfer = send(sender, recipient)
    url = f"/api/v1/wallet/transfers/{transfer.pk}/confirm/"
    response = client_for(sender).post(url, {"code": wrong(last_code(sender))}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert "今日验证码已输错 1 次" in body["detail"] and "code" in body["errors"]


def test_the_database_refuses_wrong_codes_above_the_days_limit(pair):
    from django.db import IntegrityError, transaction

    sender, _recipient, _binding = pair
    usage = WalletDailyUsage.objects.create(
        sender=sender, day=dt.date(2025, 3, 10), max_transfers=3, max_code_failures=10
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletDailyUsage.objects.filter(pk=usage.pk).update(code_failures=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletDailyUsage.objects.filter(pk=usage.pk).update(codes_sent=1)


# --- one request waiting for its code ---------------------------------------------------------


def test_a_new_request_cancels_the_one_waiting_for_its_code(pair, send):
    sender, recipient, _binding = pair
    old = send(sender, recipient, "1.00")
    old_code = last_code(sender)
    new = send(sender, recipient, "2.00")
    old.refresh_from_db()
    assert old.status == Status.CANCELLED and "新的转账" in old.finish_reason
    assert AuditEvent.objects.filter(
        action="transfer_cancelled", object_type="wallet.wallettransfer", object_id=old.pk
    ).exists()
    with pytest.raises(BusinessRuleViolation, match="已取消"):
        confirm(old, sender, old_code)
    assert confirm(new, sender, last_code(sender)).status == Status.SENT
    assert WalletTransfer.objects.filter(sender=sender, status=Status.AWAITING_CODE).count() == 0


def test_the_database_holds_one_request_awaiting_a_code_per_sender(pair, send):
    from django.db import IntegrityError, transaction

    sender, recipient, _binding = pair
    first = send(sender, recipient)
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletTransfer.objects.create(
            sender=sender,
            recipient=recipient,
            binding=first.binding,
            source_id=first.source_id,
            region_id=first.region_id,
            amount_fen=100,
            idempotency_key="second",
            code_digest="x",
            code_expires_at=first.code_expires_at,
        )


# --- codes sent per person per day -----------------------------------------------------------


def test_codes_sent_per_person_per_day_are_capped(pair, send, clock):
    sender, recipient, _binding = pair
    policy(wallet_codes_per_day=3)
    for n in range(3):
        send(sender, recipient, key=f"k{n}")
    # a retry of a request already made answers it again and sends nothing
    assert send(sender, recipient, key="k2").idempotency_key == "k2"
    with pytest.raises(RuleViolation) as caught:
        send(sender, recipient, key="k3")
    assert caught.value.rule == "daily_codes"
    assert "每人每日最多获取 3 次转账验证码" in caught.value.message
    assert Notification.objects.filter(person=sender).count() == 3
    assert WalletDailyUsage.objects.get(sender=sender).codes_sent == 3
    clock.move_to(shanghai(2025, 3, 11, 9, 0))
    assert send(sender, recipient, key="k4").status == Status.AWAITING_CODE


# --- 24 hours after a phone change ------------------------------------------------------------


def test_no_transfer_out_within_24_hours_of_a_phone_change(pair, send, clock):
    sender, recipient, _binding = pair
    # given: the phone changed at 08:00 (two hours ago)
    InsuredPerson.objects.filter(pk=sender.pk).update(phone_changed_at=shanghai(2025, 3, 10, 8, 0))
    # when / then: no request, and the message says when sending is possible again
    with pytest.raises(RuleViolation) as caught:
        send(sender, recipient)
    assert caught.value.rule == "phone_changed"
    assert "2025-03-11 08:00 以后可以转账" in caught.value.message
    assert not Notification.objects.filter(person=sender).exists()
    # and: from 08:00 the next day it works
    clock.move_to(shanghai(2025, 3, 11, 8, 0))
    assert send(sender, recipient).status == Status.AWAITING_CODE


def test_a_phone_change_after_the_request_refuses_the_code(pair, send):
    sender, recipient, _binding = pair
    transfer = send(sender, recipient)
    InsuredPerson.objects.filter(pk=sender.pk).update(phone_changed_at=shanghai(2025, 3, 10, 10, 0))
    with pytest.raises(RuleViolation) as caught:
        confirm(transfer, sender, last_code(sender))
    assert caught.value.rule == "phone_changed"
    assert not Posting.objects.filter(kind=transfers.KIND_SEND).exists()


def test_the_hours_after_a_phone_change_are_policy(pair, send, clock):
    sender, recipient, _binding = pair
    policy(wallet_phone_change_block_hours=1)
    InsuredPerson.objects.filter(pk=sender.pk).update(phone_changed_at=shanghai(2025, 3, 10, 8, 0))
    assert send(sender, recipient).status == Status.AWAITING_CODE
