"""The wallet page's reads (wallet.selectors.wallet_page and its lists) and what the page shows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Region, RegionPolicy
from tests.wallet.conftest import shanghai
from tests.wallet.factories import (
    OTHER_REGION,
    WALLET_REGION,
    bind,
    family_pair,
    fund,
    insured_person,
    last_code,
    open_wallet,
    region,
)
from wallet import selectors
from wallet.models import WalletDailyUsage
from wallet.services import transfers, wallets

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 3, 10)  # the frozen clock's day (tests/wallet/conftest.py)


def page(person) -> str:
    client = Client()
    client.force_login(person.user)
    response = client.get("/wallet/")
    assert response.status_code == 200
    return response.content.decode()


def sent(on_commit, sender, recipient, amount: str, key: str):
    with on_commit():
        transfer = transfers.wallet_transfer_create(
            sender=sender, to_national_id=recipient.national_id, amount=amount, idempotency_key=key
        )
    return transfers.wallet_transfer_confirm(
        transfer_id=transfer.pk, sender=sender, code=last_code(sender)
    )


def test_without_a_wallet_the_page_reads_nothing():
    assert selectors.wallet_page(person=insured_person(), day=TODAY) is None


def test_the_wallet_facts_come_with_the_insured_regions_rules_and_the_days_count():
    # given
    person = insured_person()
    open_wallet(person, usage=OTHER_REGION)
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(
        wallet_max_transfers_per_day=5, wallet_max_transfer_amount=Decimal("800.50")
    )
    WalletDailyUsage.objects.create(sender=person, day=TODAY, transfers=2, max_transfers=5)
    WalletDailyUsage.objects.create(
        sender=person, day=TODAY - dt.timedelta(days=1), transfers=4, max_transfers=5
    )
    # when
    row = selectors.wallet_page(person=person, day=TODAY)
    # then
    assert row["status"] == "OPEN" and row["balance_fen"] == 0
    assert (row["insured_region_name"], row["usage_region_name"]) == ("太原市", "大同市")
    assert row["usage_region_id"] == OTHER_REGION
    assert row["opened_by_id"] == person.pk and row["opened_by_name"] == person.name
    assert row["opened_at"] == shanghai(2025, 3, 10, 10, 0)
    assert row["used"] == 2
    assert row["policy"].wallet_max_transfers_per_day == 5
    assert row["policy"].wallet_max_transfer_amount == Decimal("800.50")
    assert selectors.wallet_page(person=person, day=TODAY + dt.timedelta(days=1))["used"] == 0


def test_a_region_without_a_policy_row_gives_the_national_rules():
    # given
    person = insured_person()
    open_wallet(person)
    RegionPolicy.objects.filter(region_id=WALLET_REGION).delete()
    # when
    policy = selectors.wallet_page(person=person, day=TODAY)["policy"]
    # then
    assert policy.wallet_max_transfers_per_day == 3
    assert str(policy.wallet_max_transfer_amount) == "2000.00"
    assert (policy.wallet_quiet_start, policy.wallet_quiet_end) == (dt.time(22), dt.time(6))
    assert "每日最多 3 次（今日还可转 3 次），单笔最多 2000.00 元，22:00 至 06:00" in page(person)


def test_usage_region_changes_are_listed_newest_first_with_the_opening_last(clock):
    # given
    person = insured_person()
    wallet = open_wallet(person)
    clock.shift(dt.timedelta(minutes=5))
    wallets.wallet_usage_region_change(by=person, usage_region=region(OTHER_REGION))
    # when
    found = selectors.wallet_usage_rows(wallet_id=wallet.pk)
    # then
    assert found == [
        (shanghai(2025, 3, 10, 10, 5), "太原市", "大同市", person.name),
        (shanghai(2025, 3, 10, 10, 0), None, "太原市", person.name),
    ]
    assert selectors.wallet_usage_rows(wallet_id=wallet.pk, limit=1) == found[:1]


def test_only_transfers_sent_to_the_person_wait_on_their_page(on_commit):
    # given
    sender, recipient, _binding = family_pair()
    transfer = sent(on_commit, sender, recipient, "12.34", "a")
    # when
    waiting = selectors.incoming_transfer_rows(person=recipient)
    # then
    assert waiting == [(transfer.pk, sender.name, 1234, transfer.accept_deadline)]
    assert selectors.incoming_transfer_rows(person=sender) == []


def test_the_region_choices_are_the_wallet_regions_named_with_their_province():
    Region.objects.filter(pk=OTHER_REGION).update(wallet_enabled=False)
    choices = dict(selectors.wallet_region_choices())
    assert choices[WALLET_REGION] == "山西省 太原市"
    assert OTHER_REGION not in choices
    assert list(choices) == sorted(choices)


def test_the_page_shows_the_wallet_its_rules_transfers_to_accept_and_regions(on_commit):
    # given: a wallet opened by a family member, with a transfer waiting
    sender, recipient = insured_person(), insured_person()
    bind(sender, recipient)
    open_wallet(sender)
    wallets.wallet_open(by=sender, for_person=recipient, usage_region=region(OTHER_REGION))
    fund(sender, 300_000)
    transfer = sent(on_commit, sender, recipient, "1234.5", "a")
    # when
    html = page(recipient)
    # then
    assert "2025-03-10 10:00（由" + sender.name + "代开通）" in html
    assert '<dd class="mono">138****0000</dd>' in html
    assert f'action="/wallet/transfers/{transfer.pk}/accept/"' in html
    assert '<td class="mono">1,234.50</td>' in html
    assert '<option value="140200" selected>山西省 大同市</option>' in html
    assert '<option value="">请选择</option>' in html
    assert "（开通）" in html


def test_the_page_reads_the_same_few_queries_however_many_rows(on_commit):
    # given
    sender, recipient, _binding = family_pair()
    client = Client()
    client.force_login(recipient.user)
    client.get("/wallet/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/wallet/").status_code == 200
        return len(context.captured_queries)

    before = queries()
    # when: transfers from two family members wait and the usage region changed
    sent(on_commit, sender, recipient, "1.00", "a")
    brother = insured_person()
    fund(brother, 10_000)
    open_wallet(brother)
    bind(brother, recipient, "SIBLING")
    sent(on_commit, brother, recipient, "2.00", "b")
    wallets.wallet_usage_region_change(by=recipient, usage_region=region(OTHER_REGION))
    # then: session, user, person, then the wallet, transfers, regions, usage history
    assert queries() == before == 7
    assert selectors.incoming_transfer_rows(person=recipient)[0][1] == brother.name


# --- the transfer list (/wallet/transfers/) -------------------------------------------------


def test_the_transfer_list_has_what_each_side_may_see_newest_first(on_commit, clock):
    # given: one transfer sent, then one still waiting for its code
    sender, recipient, _binding = family_pair()
    first = sent(on_commit, sender, recipient, "1.00", "a")
    transfers.wallet_transfer_accept(transfer_id=first.pk, recipient=recipient)
    clock.shift(dt.timedelta(minutes=1))
    with on_commit():
        awaiting = transfers.wallet_transfer_create(
            sender=sender, to_national_id=recipient.national_id, amount="2.00", idempotency_key="b"
        )
    # when
    senders = selectors.transfer_rows(person=sender)
    recipients = selectors.transfer_rows(person=recipient)
    # then: the code step is the sender's only
    assert [row["id"] for row in senders] == [awaiting.pk, first.pk]
    assert [row["id"] for row in recipients] == [first.pk]
    assert recipients[0] == {
        "id": first.pk,
        "created_at": shanghai(2025, 3, 10, 10, 0),
        "sender_id": sender.pk,
        "sender": sender.name,
        "recipient": recipient.name,
        "amount_fen": 100,
        "status": "ACCEPTED",
        "finish_reason": "",
        "accept_deadline": shanghai(2025, 3, 11, 6, 0),
    }
    assert [row["id"] for row in selectors.transfer_rows(person=sender, limit=1)] == [awaiting.pk]
    client = Client()
    client.force_login(sender.user)
    html = client.get("/wallet/transfers/").content.decode()
    assert f'<a href="/wallet/transfers/{awaiting.pk}/code/">输入验证码</a>' in html


def test_the_transfer_list_page_shows_each_row_from_the_persons_side(on_commit):
    # given
    sender, recipient, _binding = family_pair()
    waiting = sent(on_commit, sender, recipient, "12.00", "a")
    client = Client()
    client.force_login(recipient.user)
    # when
    html = client.get("/wallet/transfers/").content.decode()
    # then: to accept, and in the list as received from the sender
    assert f'action="/wallet/transfers/{waiting.pk}/accept/"' in html
    assert "<td>转入</td><td>" + sender.name + "</td>" in html
    assert '<td class="nowrap">2025-03-11 06:00</td>' in html
    assert '<span class="badge badge--suspended">待接收</span>' in html
    # and the sender's side: sent, nothing to accept
    client.force_login(sender.user)
    html = client.get("/wallet/transfers/").content.decode()
    assert "<td>转出</td><td>" + recipient.name + "</td>" in html
    assert "/accept/" not in html and "没有待接收的转账。" in html
