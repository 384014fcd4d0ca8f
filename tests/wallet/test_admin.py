"""Staff see wallet records of their own regions only, read-only; codes stay with superusers."""

import pytest
from django.urls import reverse

from tests.factories import StaffUserFactory, UserFactory
from tests.wallet.factories import OTHER_REGION, family_pair, insured_person, open_wallet

pytestmark = pytest.mark.django_db

MODELS = (
    "familybinding",
    "guardianreview",
    "wallet",
    "wallettransfer",
    "walletpayment",
)


def test_every_wallet_admin_page_renders_for_a_superuser(client, on_commit):
    from wallet.services import transfers

    sender, recipient, _binding = family_pair()
    with on_commit():
        transfer = transfers.wallet_transfer_create(
            sender=sender, to_national_id=recipient.national_id, amount="1.00", idempotency_key="k"
        )
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="STAFF"))
    for model in MODELS:
        assert client.get(reverse(f"admin:wallet_{model}_changelist")).status_code == 200, model
    assert client.get(reverse("admin:accounts_notification_changelist")).status_code == 200
    # the wallet's audit rows are the core's: listed with every other app's
    audit = client.get(reverse("admin:accounts_auditevent_changelist"), {"q": transfer.pk})
    assert audit.status_code == 200 and b"transfer_create" in audit.content


def test_staff_see_only_their_regions_wallets_and_change_nothing(client):
    taiyuan = insured_person(name="太原甲")
    datong = insured_person(region_code=OTHER_REGION, name="大同乙")
    open_wallet(taiyuan)
    open_wallet(datong, usage=OTHER_REGION)
    staff = StaffUserFactory(regions=["140100"], permissions=["wallet.view_wallet"])
    client.force_login(staff)
    page = client.get(reverse("admin:wallet_wallet_changelist")).content.decode()
    assert "太原甲" in page and "大同乙" not in page
    assert client.get(reverse("admin:wallet_wallet_add")).status_code == 403
    assert client.get(reverse("admin:accounts_notification_changelist")).status_code == 403


def test_wallet_records_offer_region_staff_no_form_even_with_every_permission(client):
    """No wallet admin has an editable related field: staff cannot add or re-point a binding,
    wallet, transfer or payment, whatever permissions they hold."""
    # given a Taiyuan binding and a Datong person
    sender, recipient, binding = family_pair()
    stranger = insured_person(region_code=OTHER_REGION)
    permissions = [
        f"wallet.{action}_{model}"
        for model in ("familybinding", "wallet", "wallettransfer", "walletpayment")
        for action in ("view", "add", "change")
    ]
    client.force_login(StaffUserFactory(regions=["140100"], permissions=permissions))
    # when staff post the binding's change form with the stranger as member
    url = reverse("admin:wallet_familybinding_change", args=[binding.pk])
    response = client.post(url, {"requester": sender.pk, "member": stranger.pk})
    # then it is refused and nothing moved
    assert response.status_code == 403
    binding.refresh_from_db()
    assert binding.member == recipient
    for model in ("familybinding", "wallet", "wallettransfer", "walletpayment"):
        assert client.get(reverse(f"admin:wallet_{model}_add")).status_code == 403, model
