"""The wallet and family paths of API.md, and who may see and do what through them."""

import pytest

from enrollment.models import Scheme
from tests.factories import ServiceUserFactory
from tests.wallet.factories import (
    OTHER_REGION,
    WALLET_REGION,
    bind,
    client_for,
    family_pair,
    fund,
    insured_person,
    last_code,
    open_wallet,
    wallet_fen,
)
from wallet.models import FamilyBinding, WalletTransfer

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
    return body


@pytest.fixture
def transfer_via_api(on_commit):
    def run(client, to, amount="100.00", key="key-1"):
        with on_commit():
            return client.post(
                "/api/v1/wallet/transfers/",
                {"to_national_id": to.national_id, "amount": amount},
                format="json",
                HTTP_IDEMPOTENCY_KEY=key,
            )

    return run


# --- the contract ----------------------------------------------------------------------------


def test_family_binding_through_the_api():
    a, b = insured_person(), insured_person()
    # when: a asks
    response = client_for(a).post(
        "/api/v1/family/",
        {"national_id": b.national_id, "name": b.name, "relation": "SPOUSE"},
        format="json",
    )
    assert response.status_code == 201, response.content
    binding = response.json()
    assert binding["status"] == "PENDING" and binding["direction"] == "OUTGOING"
    # then: b sees it and confirms it
    listed = client_for(b).get("/api/v1/family/").json()
    assert [(x["id"], x["direction"]) for x in listed] == [(binding["id"], "INCOMING")]
    response = client_for(b).post(f"/api/v1/family/{binding['id']}/confirm/")
    assert response.status_code == 200 and response.json()["status"] == "CONFIRMED"
    assert response.json()["member"]["national_id"] == b.masked_national_id


def test_wallet_open_get_patch_and_usage_history():
    person = insured_person()
    client = client_for(person)
    # open
    response = client.post("/api/v1/wallet/", {"usage_region": WALLET_REGION}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "OPEN" and response.json()["balance"] == "0.00"
    # see
    body = client.get("/api/v1/wallet/").json()
    assert {k: body[k] for k in ("usage_region", "status", "balance")} == {
        "usage_region": WALLET_REGION,
        "status": "OPEN",
        "balance": "0.00",
    }
    assert body["phone"] == "138****0000"
    # change
    response = client.patch("/api/v1/wallet/", {"usage_region": OTHER_REGION}, format="json")
    assert response.status_code == 200 and response.json()["usage_region"] == OTHER_REGION
    history = client.get("/api/v1/wallet/usage-history/").json()
    assert [(h["from_region"], h["to_region"]) for h in history] == [
        (WALLET_REGION, OTHER_REGION),
        (None, WALLET_REGION),
    ]
    assert all(h["changed_at"] for h in history)


def test_opening_a_family_members_wallet_through_the_api():
    parent, child = insured_person(), insured_person(scheme=Scheme.RESIDENT)
    bind(parent, child, "CHILD")
    response = client_for(parent).post(
        "/api/v1/wallet/",
        {"usage_region": WALLET_REGION, "for_national_id": child.national_id},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["opened_by_self"] is False
    assert client_for(child).get("/api/v1/wallet/").status_code == 200


def test_a_whole_transfer_through_the_api(transfer_via_api):
    sender, recipient, _binding = family_pair()
    # create
    response = transfer_via_api(client_for(sender), recipient, "88.80")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "AWAITING_CODE"
    # the same key again: the same transfer
    again = transfer_via_api(client_for(sender), recipient, "88.80")
    assert again.json()["id"] == created["id"]
    # confirm
    response = client_for(sender).post(
        f"/api/v1/wallet/transfers/{created['id']}/confirm/",
        {"code": last_code(sender)},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "SENT"
    # accept
    response = client_for(recipient).post(f"/api/v1/wallet/transfers/{created['id']}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "ACCEPTED"
    assert wallet_fen(recipient) == 8_880
    # both see it, from their side
    sent = client_for(sender).get("/api/v1/wallet/transfers/").json()
    received = client_for(recipient).get("/api/v1/wallet/transfers/").json()
    assert [(t["id"], t["direction"], t["amount"]) for t in sent] == [
        (created["id"], "OUT", "88.80")
    ]
    assert [(t["id"], t["direction"]) for t in received] == [(created["id"], "IN")]
    # and the wallet history shows the running balance
    history = client_for(recipient).get("/api/v1/wallet/history/").json()
    assert [(p["kind_name"], p["amount"], p["balance_after"]) for p in history["results"]] == [
        ("家庭共济转入", "88.80", "88.80")
    ]


# --- refusals are clear 4xx, never 500 --------------------------------------------------------


def test_a_transfer_without_idempotency_key_is_400():
    sender, recipient, _binding = family_pair()
    response = client_for(sender).post(
        "/api/v1/wallet/transfers/",
        {"to_national_id": recipient.national_id, "amount": "1.00"},
        format="json",
    )
    body = assert_error_shape(response, 400)
    assert "Idempotency-Key" in body["errors"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"to_national_id": "123", "amount": "1.00"},
        {"to_national_id": "x" * 18, "amount": "abc"},
        {"to_national_id": "x" * 18, "amount": "1.001"},
        {"to_national_id": "x" * 18, "amount": "-1"},
        {"to_national_id": "x" * 18, "amount": "0"},
        {"to_national_id": ["a"], "amount": {"a": 1}},
        {"to_national_id": "x" * 18, "amount": "1e400"},
    ],
)
def test_bad_transfer_input_is_400_naming_the_field(payload):
    sender, _recipient, _binding = family_pair()
    response = client_for(sender).post(
        "/api/v1/wallet/transfers/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert_error_shape(response, 400)


def test_a_rule_refusal_says_which_rule_and_what_is_left(transfer_via_api):
    sender, recipient, _binding = family_pair()
    response = transfer_via_api(client_for(sender), recipient, "2500.00")
    body = assert_error_shape(response, 422)
    assert "2000.00" in body["detail"] and "amount" in body["errors"]


def test_bad_code_input_is_400_and_a_wrong_code_says_what_is_left(transfer_via_api):
    sender, recipient, _binding = family_pair()
    created = transfer_via_api(client_for(sender), recipient).json()
    url = f"/api/v1/wallet/transfers/{created['id']}/confirm/"
    assert_error_shape(client_for(sender).post(url, {"code": "abc"}, format="json"), 400)
    wrong = "000000" if last_code(sender) != "000000" else "111111"
    body = assert_error_shape(client_for(sender).post(url, {"code": wrong}, format="json"), 400)
    assert "还可以再试 4 次" in body["detail"]


def test_bad_wallet_input_is_400():
    client = client_for(insured_person())
    for payload in ({}, {"usage_region": "99"}, {"usage_region": "999999"}, {"usage_region": 5}):
        assert_error_shape(client.post("/api/v1/wallet/", payload, format="json"), 400)


def test_no_wallet_yet_is_404():
    client = client_for(insured_person())
    assert_error_shape(client.get("/api/v1/wallet/"), 404)
    assert_error_shape(client.get("/api/v1/wallet/usage-history/"), 404)


# --- nobody sees or acts on another person's wallet, transfer or binding ---------------------


def test_anonymous_callers_and_employers_are_refused():
    from rest_framework.test import APIClient

    for path in ("/api/v1/wallet/", "/api/v1/family/", "/api/v1/wallet/transfers/"):
        assert APIClient().get(path).status_code == 401
    service = APIClient()
    service.force_authenticate(ServiceUserFactory())
    assert service.get("/api/v1/wallet/").status_code == 403


def test_a_stranger_cannot_see_or_act_on_anothers_transfer(transfer_via_api):
    sender, recipient, _binding = family_pair()
    stranger = insured_person()
    created = transfer_via_api(client_for(sender), recipient).json()
    pk = created["id"]
    other = client_for(stranger)
    assert other.get(f"/api/v1/wallet/transfers/{pk}/").status_code == 404
    assert (
        other.post(f"/api/v1/wallet/transfers/{pk}/confirm/", {"code": "123456"}).status_code == 404
    )
    assert other.post(f"/api/v1/wallet/transfers/{pk}/accept/").status_code == 404
    assert other.post(f"/api/v1/wallet/transfers/{pk}/cancel/").status_code == 404
    assert other.get("/api/v1/wallet/transfers/").json() == []
    # the recipient does not see it before it is sent, and cannot confirm it
    assert client_for(recipient).get(f"/api/v1/wallet/transfers/{pk}/").status_code == 404
    assert WalletTransfer.objects.get(pk=pk).status == "AWAITING_CODE"


def test_only_the_recipient_accepts_and_only_the_sender_confirms(transfer_via_api):
    sender, recipient, _binding = family_pair()
    created = transfer_via_api(client_for(sender), recipient).json()
    pk = created["id"]
    code = last_code(sender)
    client_for(sender).post(f"/api/v1/wallet/transfers/{pk}/confirm/", {"code": code})
    assert_error_shape(client_for(sender).post(f"/api/v1/wallet/transfers/{pk}/accept/"), 403)
    assert_error_shape(
        client_for(recipient).post(f"/api/v1/wallet/transfers/{pk}/confirm/", {"code": code}), 403
    )


def test_nobody_transfers_from_anothers_wallet():
    """The sender is always the caller: a transfer names no source account to borrow."""
    victim = insured_person()
    fund(victim, 100_000)
    open_wallet(victim)
    thief = insured_person()
    open_wallet(thief)
    bind(victim, thief)
    client = client_for(thief)
    response = client.post(
        "/api/v1/wallet/transfers/",
        {
            "to_national_id": thief.national_id,
            "amount": "10.00",
            "from_national_id": victim.national_id,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="steal",
    )
    assert response.status_code == 422
    assert not WalletTransfer.objects.exists()


def test_a_stranger_cannot_see_confirm_or_end_anothers_binding():
    a, b, stranger = insured_person(), insured_person(), insured_person()
    binding = FamilyBinding.objects.get(
        pk=client_for(a)
        .post(
            "/api/v1/family/",
            {"national_id": b.national_id, "name": b.name, "relation": "SIBLING"},
            format="json",
        )
        .json()["id"]
    )
    other = client_for(stranger)
    assert other.get("/api/v1/family/").json() == []
    assert other.post(f"/api/v1/family/{binding.pk}/confirm/").status_code == 404
    assert other.post(f"/api/v1/family/{binding.pk}/end/").status_code == 404
    assert client_for(a).post(f"/api/v1/family/{binding.pk}/confirm/").status_code == 403
    binding.refresh_from_db()
    assert binding.status == "PENDING"


def test_nobody_opens_a_wallet_for_a_stranger():
    a, stranger = insured_person(), insured_person()
    response = client_for(a).post(
        "/api/v1/wallet/",
        {"usage_region": WALLET_REGION, "for_national_id": stranger.national_id},
        format="json",
    )
    assert_error_shape(response, 422)


# --- payments ----------------------------------------------------------------------------------


def test_an_id_too_large_for_the_database_is_a_404_not_a_500():
    client = client_for(insured_person())
    for path in (
        "/api/v1/wallet/transfers/99999999999999999999999/",
        "/api/v1/wallet/transfers/99999999999999999999999/accept/",
        "/api/v1/family/99999999999999999999999/confirm/",
    ):
        response = (
            client.post(path) if path.endswith("/accept/") or "family" in path else client.get(path)
        )
        assert_error_shape(response, 404)
