"""The transfer form says how much can be sent before anything is typed, and takes amounts in
yuan with at most two decimals."""

import pytest
from django.test import Client

from tests.wallet.factories import family_pair, last_code
from wallet.selectors import transfer_allowance, wallet_for_person
from wallet.services import transfers

pytestmark = pytest.mark.django_db

URL = "/wallet/transfers/new/"


def accepted(capture, sender, recipient, amount):
    with capture(execute=True):
        transfer = transfers.wallet_transfer_create(
            sender=sender, to_national_id=recipient.national_id, amount=amount, idempotency_key="a"
        )
    transfers.wallet_transfer_confirm(
        transfer_id=transfer.pk, sender=sender, code=last_code(sender)
    )
    transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)


def allowance(person):
    found = transfer_allowance(person=person, wallet=wallet_for_person(person=person))
    return {key: str(found[key]) for key in ("available", "per_transfer", "amount_left", "most")}


def test_the_most_one_transfer_may_carry_is_the_least_of_balance_and_limits(
    django_capture_on_commit_callbacks,
):
    # 5,000.00 in the account, 2,000.00 a transfer and a day; 1,500.00 sent today
    sender, recipient, _binding = family_pair(balance_fen=500_000)
    accepted(django_capture_on_commit_callbacks, sender, recipient, "1500.00")
    assert allowance(sender) == {
        "available": "3500.00",
        "per_transfer": "2000.00",
        "amount_left": "500.00",
        "most": "500.00",
    }


def test_a_small_balance_is_the_limit(django_capture_on_commit_callbacks):
    sender, _recipient, _binding = family_pair(balance_fen=30_000)
    assert allowance(sender)["most"] == "300.00"


def test_the_form_shows_the_allowance_and_a_yuan_amount_field():
    sender, _recipient, _binding = family_pair(balance_fen=30_000)
    client = Client()
    client.force_login(sender.user)
    page = client.get(URL).content.decode()
    assert "个人账户可用余额" in page and "300.00" in page
    assert "本次最多可转 <strong>300.00</strong> 元" in page
    assert "金额（元）" in page
    assert 'inputmode="decimal"' in page and 'placeholder="0.00"' in page


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("12.345", "金额最多两位小数"),
        ("十元", "请输入以元为单位的金额"),
        ("0", "转账金额必须大于0"),
    ],
)
def test_an_amount_that_is_not_yuan_and_fen_is_refused_on_the_form(amount, error):
    sender, recipient, _binding = family_pair(balance_fen=30_000)
    client = Client()
    client.force_login(sender.user)
    response = client.post(
        URL, {"to_national_id": recipient.national_id, "amount": amount, "idempotency_key": "k"}
    )
    assert response.status_code == 200 and error in response.content.decode()
