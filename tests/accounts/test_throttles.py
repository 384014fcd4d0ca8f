"""Throttles and sign-in lockouts key on the real client address: X-Forwarded-For counts only
as far as our own proxies (TRUSTED_PROXY_COUNT) wrote it."""

import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD, InsuredPersonFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
RATE = 20  # the registration scope's 20/hour
PROXY = "10.0.0.1"


@pytest.fixture
def one_trusted_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def test_a_spoofed_forwarded_for_does_not_escape_the_registration_throttle(api_client):
    """With no proxy trusted, a client writing its own X-Forwarded-For is still one address."""
    answers = [
        api_client.post(REGISTER, {}, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        for i in range(RATE + 1)
    ]
    assert {a.status_code for a in answers[:RATE]} == {400}
    assert answers[RATE].status_code == 429
    assert answers[RATE].json()["detail"]


def test_behind_one_trusted_proxy_the_right_most_address_is_the_client(
    api_client, one_trusted_proxy
):
    """The entry our proxy appended is used; whatever the client wrote before it is not."""
    for i in range(RATE):
        api_client.post(
            REGISTER,
            {},
            format="json",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7",
        )
    same_client = api_client.post(
        REGISTER, {}, format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    other_client = api_client.post(
        REGISTER, {}, format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.8"
    )
    assert same_client.status_code == 429
    assert other_client.status_code == 400


def test_sign_in_lockouts_behind_a_proxy_key_on_the_client_not_the_proxy(
    api_client, settings, one_trusted_proxy
):
    """A locked-out attacker behind the proxy does not lock out the person elsewhere."""
    person = InsuredPersonFactory(with_user=True)
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    owner = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.8"}
    for _try in range(settings.LOGIN_FAILURES_PER_USERNAME):
        api_client.post(
            TOKEN, {"username": person.national_id, "password": "wrong"}, format="json", **attacker
        )
    right = {"username": person.national_id, "password": TEST_PASSWORD}
    assert api_client.post(TOKEN, right, format="json", **attacker).status_code == 429
    assert api_client.post(TOKEN, right, format="json", **owner).status_code == 200


def test_portal_registration_is_throttled_with_the_api_in_both_steps(client, api_client):
    """/register/ and its code step count against the same registration limit as the API."""
    for _i in range(RATE // 2):
        api_client.post(REGISTER, {}, format="json")
    answers = [client.post("/register/", {}) for _i in range(RATE // 2)]
    over = client.post("/register/", {})
    confirm_over = client.post(reverse("register-confirm"), {"code": "123456"})
    assert {a.status_code for a in answers} == {200}
    assert over.status_code == 429 and confirm_over.status_code == 429
    assert "频繁" in over.content.decode()


def test_the_registration_confirm_api_is_throttled(api_client):
    answers = [
        api_client.post("/api/v1/auth/register/confirm/", {}, format="json")
        for _i in range(RATE + 1)
    ]
    assert answers[-1].status_code == 429


def test_many_usernames_from_one_address_are_locked_out(api_client, client, settings):
    """Trying a few passwords on many IDs from one address ends in 429, for the API and the
    portal login, even for a right password; a success does not reset the address's count."""
    # given
    settings.LOGIN_FAILURES_PER_ADDRESS = 6
    mine = InsuredPersonFactory(with_user=True)
    victims = InsuredPersonFactory.create_batch(6, with_user=True)
    right = {"username": mine.national_id, "password": TEST_PASSWORD}
    # when
    for victim in victims[:3]:
        api_client.post(TOKEN, {"username": victim.national_id, "password": "x"}, format="json")
    assert api_client.post(TOKEN, right, format="json").status_code == 200
    for victim in victims[3:]:
        client.post("/login/", {"username": victim.national_id, "password": "x"})
    # then
    assert api_client.post(TOKEN, right, format="json").status_code == 429
    assert client.post("/login/", right).status_code == 429
    elsewhere = api_client.post(TOKEN, right, format="json", REMOTE_ADDR="192.0.2.9")
    assert elsewhere.status_code == 200
