"""API tokens expire (24 hours for persons and employers, longer for service tokens) and
their owner revokes them: DELETE /api/v1/auth/token/ or the portal (issue #9, item 11)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import TEST_PASSWORD, ServiceUserFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/contributions/"
START = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def token_for(person) -> str:
    response = APIClient().post(
        TOKEN, {"username": person.national_id, "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_person_token_works_for_24_hours_then_answers_401(person, clock):
    # given
    key = token_for(person)
    # when
    clock.shift(dt.timedelta(hours=23, minutes=59))
    within = with_token(key).get(ME)
    clock.shift(dt.timedelta(minutes=2))
    expired = with_token(key).get(ME)
    # then
    assert within.status_code == 200
    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == "Token"
    assert expired.json() == {"detail": "令牌已过期，请重新登录获取新令牌。", "errors": {}}


def test_signing_in_again_gives_a_new_token_for_an_expired_one(person, clock):
    """POST auth/token/ keeps its contract: a valid token is returned as it is, an expired
    one is replaced by a new one that works."""
    # given
    key = token_for(person)
    same = token_for(person)
    clock.shift(dt.timedelta(hours=25))
    # when
    renewed = token_for(person)
    # then
    assert same == key
    assert renewed != key
    assert not Token.objects.filter(key=key).exists()
    assert with_token(renewed).get(ME).status_code == 200


def test_signing_in_works_even_with_an_expired_token_in_the_header(person, clock):
    # given
    key = token_for(person)
    clock.shift(dt.timedelta(hours=25))
    # when
    response = with_token(key).post(
        TOKEN, {"username": person.national_id, "password": TEST_PASSWORD}, format="json"
    )
    # then
    assert response.status_code == 200
    assert response.json()["token"] != key


def test_the_owner_revokes_the_token_with_delete(person):
    # given
    key = token_for(person)
    client = with_token(key)
    # when
    response = client.delete(TOKEN)
    # then
    assert response.status_code == 204
    assert not Token.objects.filter(key=key).exists()
    refused = client.get(ME)
    assert refused.status_code == 401
    assert set(refused.json()) == {"detail", "errors"}


def test_revoking_needs_the_token_itself(person, api_client):
    # given
    key = token_for(person)
    # when
    anonymous = api_client.delete(TOKEN)
    wrong = with_token("0" * 40).delete(TOKEN)
    # then
    assert anonymous.status_code == 401
    assert wrong.status_code == 401
    assert Token.objects.filter(key=key).exists()


def test_service_tokens_last_a_year_and_the_command_rotates_an_expired_one(clock):
    """A connected system has no password to sign in again with: its token lasts longer,
    and `create_service_token` replaces it once expired."""
    # given
    service = ServiceUserFactory(username="tax-xian")
    key = Token.objects.create(user=service).key
    # when
    clock.shift(dt.timedelta(days=300))
    within = with_token(key).post("/api/v1/feed/employers/", {"employers": []}, format="json")
    clock.shift(dt.timedelta(days=66))
    expired = with_token(key).post("/api/v1/feed/employers/", {"employers": []}, format="json")
    out = io.StringIO()
    call_command("create_service_token", "tax-xian", stdout=out)
    rotated = out.getvalue().strip()
    # then
    assert within.status_code != 401
    assert expired.status_code == 401
    assert rotated != key
    assert Token.objects.get(user=service).key == rotated


def test_the_person_revokes_api_clients_from_the_portal(client, person):
    """The home page shows when the token expires and a button that revokes it."""
    # given
    key = token_for(person)
    client.force_login(person.user)
    # when
    home = client.get("/").content.decode()
    response = client.post("/account/api-token/revoke/", follow=True)
    # then
    assert 'action="/account/api-token/revoke/"' in home
    assert response.status_code == 200
    assert "已注销接口令牌" in response.content.decode()
    assert not Token.objects.filter(key=key).exists()
    assert with_token(key).get(ME).status_code == 401


@pytest.mark.parametrize("kind", ["staff", "superuser"])
def test_staff_and_superusers_get_no_api_token_by_password(kind):
    """Staff work in the admin behind a second factor: a password alone gets them no API
    token, so nothing they hold can pass the person, employer or service checks."""
    # given a staff user and a superuser with passwords
    user = StaffUserFactory(regions=["610100"])
    if kind == "superuser":
        user.is_superuser = True
    user.set_password(TEST_PASSWORD)
    user.save()
    # when they ask for a token with the right password
    response = APIClient().post(
        TOKEN, {"username": user.username, "password": TEST_PASSWORD}, format="json"
    )
    # then it is refused and no token exists
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "errors"}
    assert not Token.objects.filter(user=user).exists()


def test_an_unknown_or_inactive_users_token_is_refused_as_before(person):
    # given
    key = token_for(person)
    person.user.is_active = False
    person.user.save(update_fields=["is_active"])
    # when
    inactive = with_token(key).get(ME)
    unknown = with_token("0" * 40).get(ME)
    # then
    assert inactive.status_code == 401
    assert unknown.status_code == 401
    assert unknown["WWW-Authenticate"] == "Token"
