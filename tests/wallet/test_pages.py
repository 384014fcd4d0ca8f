"""Portal pages of the wallet: what a person sees and does, and nobody else's."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from enrollment.models import Scheme
from tests.wallet.factories import (
    WALLET_REGION,
    bind,
    family_pair,
    insured_person,
    last_code,
    open_wallet,
    wallet_fen,
)
from wallet.models import FamilyBinding, Wallet, WalletTransfer
from wallet.services import transfers

pytestmark = pytest.mark.django_db


def browser(person) -> Client:
    client = Client()
    client.force_login(person.user)
    client.get("/")  # the session's first request records its activity time (a write)
    return client


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(context.captured_queries)


def transfer_accepted(capture, sender, recipient, amount="10.00", key="k"):
    with capture(execute=True):
        transfer = transfers.wallet_transfer_create(
            sender=sender, to_national_id=recipient.national_id, amount=amount, idempotency_key=key
        )
    transfers.wallet_transfer_confirm(
        transfer_id=transfer.pk, sender=sender, code=last_code(sender)
    )
    return transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)


def test_pages_need_a_signed_in_insured_person(employer):
    for url in ("/wallet/", "/wallet/family/", "/wallet/transfers/", "/wallet/history/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_person_opens_their_wallet_on_the_page():
    person = insured_person()
    client = browser(person)
    page = client.get("/wallet/").content.decode()
    assert "开通医保钱包" in page and person.phone in page and "太原市" in page
    # without consent it stays closed
    response = client.post("/wallet/", {"usage_region": WALLET_REGION})
    assert "需要同意服务协议" in response.content.decode()
    assert not Wallet.objects.filter(person=person).exists()
    # with consent it opens
    response = client.post("/wallet/", {"usage_region": WALLET_REGION, "consent": "on"})
    assert response.status_code == 302
    page = client.get("/wallet/").content.decode()
    assert "钱包余额" in page and "0.00" in page and "使用地变更记录" in page


def test_transfer_form_code_step_accept_and_history_on_the_pages(
    django_capture_on_commit_callbacks,
):
    sender, recipient, _binding = family_pair()
    client = browser(sender)
    # step 1: the form lists the family member
    page = client.get("/wallet/transfers/new/").content.decode()
    assert recipient.name in page and "今日剩余次数" in page
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/wallet/transfers/new/",
            {"to_national_id": recipient.national_id, "amount": "66.60", "idempotency_key": key},
        )
    transfer = WalletTransfer.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/wallet/transfers/{transfer.pk}/code/"
    )
    # step 2: the code
    assert "输入验证码" in client.get(response["Location"]).content.decode()
    response = client.post(response["Location"], {"code": last_code(sender)})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "SENT"
    # the recipient accepts on their page
    other = browser(recipient)
    assert "待接收的转账" in other.get("/wallet/transfers/").content.decode()
    response = other.post(f"/wallet/transfers/{transfer.pk}/accept/")
    assert response.status_code == 302 and wallet_fen(recipient) == 6_660
    # history with the running balance
    page = other.get("/wallet/history/").content.decode()
    assert "家庭共济转入" in page and "+66.60" in page


def test_a_refusal_on_the_form_says_which_rule(django_capture_on_commit_callbacks):
    sender, recipient, _binding = family_pair()
    response = browser(sender).post(
        "/wallet/transfers/new/",
        {"to_national_id": recipient.national_id, "amount": "2500.00", "idempotency_key": "x"},
    )
    assert response.status_code == 200
    assert "单笔转账不能超过 2000.00 元" in response.content.decode()


def test_family_page_binds_confirms_and_opens_a_wallet_for_the_member():
    parent, child = insured_person(), insured_person(scheme=Scheme.RESIDENT)
    response = browser(parent).post(
        "/wallet/family/",
        {"national_id": child.national_id, "name": child.name, "relation": "CHILD"},
    )
    assert response.status_code == 302
    page = browser(child).get("/wallet/family/").content.decode()
    assert parent.name in page and "等待您确认" in page
    binding_id = FamilyBinding.objects.get().pk
    assert browser(child).post(f"/wallet/family/{binding_id}/confirm/").status_code == 302
    response = browser(parent).post(
        f"/wallet/family/{binding_id}/open-wallet/", {"usage_region": WALLET_REGION}
    )
    assert response.status_code == 302
    assert Wallet.objects.get(person=child).opened_by == parent


def test_nobody_acts_on_anothers_transfer_or_binding_through_the_pages(
    django_capture_on_commit_callbacks,
):
    sender, recipient, binding = family_pair()
    stranger = insured_person()
    with django_capture_on_commit_callbacks(execute=True):
        transfer = transfers.wallet_transfer_create(
            sender=sender, to_national_id=recipient.national_id, amount="1.00", idempotency_key="k"
        )
    client = browser(stranger)
    assert client.get(f"/wallet/transfers/{transfer.pk}/code/").status_code == 404
    assert (
        client.post(f"/wallet/transfers/{transfer.pk}/code/", {"code": "123456"}).status_code == 404
    )
    assert client.post(f"/wallet/transfers/{transfer.pk}/cancel/").status_code == 404
    assert client.post(f"/wallet/transfers/{transfer.pk}/accept/").status_code == 404
    assert client.post(f"/wallet/family/{binding.pk}/end/").status_code == 404
    assert (
        client.post(
            f"/wallet/family/{binding.pk}/open-wallet/", {"usage_region": WALLET_REGION}
        ).status_code
        == 404
    )
    page = client.get("/wallet/transfers/").content.decode()
    assert sender.name not in page and recipient.name not in page
    transfer.refresh_from_db()
    assert transfer.status == "AWAITING_CODE"


# --- no N+1: the number of queries does not grow with the rows --------------------------------


def test_wallet_and_history_pages_do_not_grow_queries_with_rows(django_capture_on_commit_callbacks):
    sender, recipient, _binding = family_pair()
    transfer_accepted(django_capture_on_commit_callbacks, sender, recipient, "1.00", "a")
    client = browser(recipient)
    before = {url: queries(client, url) for url in ("/wallet/", "/wallet/history/")}
    for n in range(2):
        transfer_accepted(
            django_capture_on_commit_callbacks, sender, recipient, f"{n + 2}.00", f"b{n}"
        )
    after = {url: queries(client, url) for url in ("/wallet/", "/wallet/history/")}
    assert after == before
    assert max(after.values()) <= 12


def test_family_and_transfers_pages_do_not_grow_queries_with_rows(
    django_capture_on_commit_callbacks,
):
    sender, recipient, _binding = family_pair()
    client = browser(sender)
    urls = ("/wallet/family/", "/wallet/transfers/", "/wallet/transfers/new/")
    transfer_accepted(django_capture_on_commit_callbacks, sender, recipient, "1.00", "a")
    before = {url: queries(client, url) for url in urls}
    # more family members (with and without wallets) and more transfers
    for n in range(3):
        member = insured_person()
        bind(sender, member, "SIBLING")
        if n % 2:
            open_wallet(member)
    transfer_accepted(django_capture_on_commit_callbacks, sender, recipient, "2.00", "b")
    after = {url: queries(client, url) for url in urls}
    assert after == before
    assert max(after.values()) <= 12
