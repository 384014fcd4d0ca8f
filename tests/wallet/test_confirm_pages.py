"""Ending a binding and cancelling a transfer ask first, for everyone; in elder mode accepting a
transfer asks too. The question is a page of its own, so it works without JavaScript."""

import pytest
from django.test import Client

from accounts.preferences import ELDER_COOKIE
from tests.wallet.factories import family_pair, insured_person, last_code, wallet_fen
from wallet.models import FamilyBinding, WalletTransfer
from wallet.services import transfers

pytestmark = pytest.mark.django_db


def browser(person, *, elder=False) -> Client:
    client = Client()
    client.force_login(person.user)
    if elder:
        client.cookies[ELDER_COOKIE] = "1"
    return client


def awaiting_code(capture, sender, recipient, amount="12.34") -> WalletTransfer:
    with capture(execute=True):
        return transfers.wallet_transfer_create(
            sender=sender,
            to_national_id=recipient.national_id,
            amount=amount,
            idempotency_key=f"k{amount}",
        )


def sent(capture, sender, recipient, amount="12.34") -> WalletTransfer:
    transfer = awaiting_code(capture, sender, recipient, amount)
    return transfers.wallet_transfer_confirm(
        transfer_id=transfer.pk, sender=sender, code=last_code(sender)
    )


def test_unbinding_first_shows_who_and_ends_only_when_confirmed():
    sender, recipient, binding = family_pair()
    client = browser(sender)
    url = f"/wallet/family/{binding.pk}/end/"
    # one tap: a question, nothing ended
    response = client.post(url)
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="confirm-page"' in page
    assert "确认解除绑定" in page and recipient.name in page and "配偶" in page
    binding.refresh_from_db()
    assert binding.status == FamilyBinding.Status.CONFIRMED
    # the page's button ends it
    response = client.post(url, {"confirmed": "1"})
    assert response.status_code == 302 and response["Location"] == "/wallet/family/"
    binding.refresh_from_db()
    assert binding.status != FamilyBinding.Status.CONFIRMED


def test_withdrawing_or_refusing_a_request_asks_in_its_own_words():
    parent, child = insured_person(), insured_person()
    browser(parent).post(
        "/wallet/family/",
        {"national_id": child.national_id, "name": child.name, "relation": "CHILD"},
    )
    url = f"/wallet/family/{FamilyBinding.objects.get().pk}/end/"
    assert "确认撤回" in browser(parent).post(url).content.decode()
    assert "确认拒绝" in browser(child).post(url).content.decode()
    assert FamilyBinding.objects.get().status == FamilyBinding.Status.PENDING


def test_cancelling_a_transfer_shows_amount_and_recipient_first(django_capture_on_commit_callbacks):
    sender, recipient, _binding = family_pair()
    transfer = awaiting_code(django_capture_on_commit_callbacks, sender, recipient)
    client = browser(sender)
    url = f"/wallet/transfers/{transfer.pk}/cancel/"
    page = client.post(url).content.decode()
    assert "确认取消转账" in page and "12.34" in page and recipient.name in page
    transfer.refresh_from_db()
    assert transfer.status == WalletTransfer.Status.AWAITING_CODE
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == WalletTransfer.Status.CANCELLED


def test_accepting_asks_first_in_elder_mode_only(django_capture_on_commit_callbacks):
    sender, recipient, _binding = family_pair()
    first = sent(django_capture_on_commit_callbacks, sender, recipient, "10.00")
    elder = browser(recipient, elder=True)
    page = elder.post(f"/wallet/transfers/{first.pk}/accept/").content.decode()
    assert "确认接收" in page and sender.name in page and wallet_fen(recipient) == 0
    elder.post(f"/wallet/transfers/{first.pk}/accept/", {"confirmed": "1"})
    assert wallet_fen(recipient) == 1_000
    second = sent(django_capture_on_commit_callbacks, sender, recipient, "5.00")
    response = browser(recipient).post(f"/wallet/transfers/{second.pk}/accept/")
    assert response.status_code == 302 and wallet_fen(recipient) == 1_500


def test_nobody_sees_the_question_for_anothers_binding_or_transfer(
    django_capture_on_commit_callbacks,
):
    sender, recipient, binding = family_pair()
    transfer = sent(django_capture_on_commit_callbacks, sender, recipient)
    stranger = browser(insured_person(), elder=True)
    for data in ({}, {"confirmed": "1"}):
        assert stranger.post(f"/wallet/family/{binding.pk}/end/", data).status_code == 404
        assert stranger.post(f"/wallet/transfers/{transfer.pk}/cancel/", data).status_code == 404
        assert stranger.post(f"/wallet/transfers/{transfer.pk}/accept/", data).status_code == 404
    # the recipient cannot cancel, nor the sender accept, through the question page
    assert browser(recipient).post(f"/wallet/transfers/{transfer.pk}/cancel/").status_code == 404
    assert (
        browser(sender, elder=True).post(f"/wallet/transfers/{transfer.pk}/accept/").status_code
        == 404
    )
