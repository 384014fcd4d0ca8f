"""Statements after a wallet transfer: the sender's personal account shows the money leaving
(and coming back when returned), the recipient's wallet shows it arriving, each from its own
side, named, with whom and which transfer, and balances that add up."""

import pytest
from django.test import Client

from accounts.selectors import personal_account_parts
from accounts.statements import statement_page
from enrollment.models import Scheme
from tests.wallet.factories import family_pair, fund, last_code
from wallet.models import Wallet
from wallet.services import transfers

pytestmark = pytest.mark.django_db


def sent(capture, sender, recipient, amount="200.00"):
    with capture(execute=True):
        transfer = transfers.wallet_transfer_create(
            sender=sender, to_national_id=recipient.national_id, amount=amount, idempotency_key="s"
        )
    transfers.wallet_transfer_confirm(
        transfer_id=transfer.pk, sender=sender, code=last_code(sender)
    )
    return transfer


def personal_rows(person):
    parts = personal_account_parts(person_id=person.pk)
    ids, balance_fen = parts.ledger_ids, parts.balance_fen
    return statement_page(account_ids=ids, balance_fen=balance_fen, viewer_id=person.pk).rows


def wallet_rows(person):
    wallet = Wallet.objects.select_related("account").get(person=person)
    return statement_page(
        account_ids={wallet.account_id}, balance_fen=wallet.account.balance_fen, viewer_id=person.pk
    ).rows


def shown(rows):
    return [(r["name"], r["counterparty"], r["purpose"], r["amount"], r["balance"]) for r in rows]


@pytest.fixture
def family():
    # sender: 1,000.00 in the personal account; recipient: an employee with 50.00 of her own
    sender, recipient, _binding = family_pair(balance_fen=100_000, recipient_scheme=Scheme.EMPLOYEE)
    fund(recipient, 5_000)
    sender.name, recipient.name = "王建国", "李秀英"
    sender.save(update_fields=["name"])
    recipient.save(update_fields=["name"])
    return sender, recipient


def test_an_accepted_transfer_leaves_the_senders_account_and_reaches_her_wallet(
    django_capture_on_commit_callbacks, family
):
    sender, recipient = family
    transfer = sent(django_capture_on_commit_callbacks, sender, recipient)
    transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)
    number = f"转账编号 {transfer.pk}"
    # the sender: 1,000.00 in, 200.00 out to 李**, 800.00 left; no line of the holding's side
    assert shown(personal_rows(sender)) == [
        ("家庭共济转出", "家庭成员 李**", number, "−200.00", "800.00"),
        ("CREDIT", "太原市统筹基金", "", "+1,000.00", "1,000.00"),
    ]
    # the recipient: her personal account shows only her own 50.00 ...
    assert shown(personal_rows(recipient)) == [("CREDIT", "太原市统筹基金", "", "+50.00", "50.00")]
    # ... and her wallet the 200.00 from 王**
    assert shown(wallet_rows(recipient)) == [
        ("家庭共济转入", "家庭成员 王**", number, "+200.00", "200.00")
    ]
    assert wallet_rows(sender) == []


def test_a_returned_transfer_comes_back_into_the_senders_statement(
    django_capture_on_commit_callbacks, family
):
    sender, recipient = family
    transfer = sent(django_capture_on_commit_callbacks, sender, recipient, "300.00")
    assert transfers.wallet_transfer_return(transfer_id=transfer.pk)
    number = f"转账编号 {transfer.pk}"
    assert shown(personal_rows(sender))[:2] == [
        ("家庭共济退回", "家庭成员 李**", number, "+300.00", "1,000.00"),
        ("家庭共济转出", "家庭成员 李**", number, "−300.00", "700.00"),
    ]
    assert wallet_rows(recipient) == []


def test_the_pages_show_the_same_statements(django_capture_on_commit_callbacks, family):
    sender, recipient = family
    transfer = sent(django_capture_on_commit_callbacks, sender, recipient)
    transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)
    client = Client()
    client.force_login(sender.user)
    page = client.get("/account/").content.decode()
    assert "家庭共济转出" in page and "−200.00" in page
    assert "WALLET_TRANSFER" not in page and "家庭共济转入" not in page
    client.force_login(recipient.user)
    account_page = client.get("/account/").content.decode()
    assert "家庭共济" not in account_page
    wallet_page = client.get("/wallet/history/").content.decode()
    assert "家庭共济转入" in wallet_page and "家庭成员 王**" in wallet_page
    assert "+200.00" in wallet_page
