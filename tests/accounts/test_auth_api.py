"""Sign-in through the API (API.md, Auth); registration is in test_registration.py."""

import pytest
from django.conf import settings

from tests.factories import TEST_PASSWORD, InsuredPersonFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
STRONG_PASSWORD = "Qiang-mima-2026"


def test_an_invalid_national_id_is_named_in_the_errors(api_client):
    response = api_client.post(
        REGISTER,
        {
            "national_id": "110105194912310021",
            "name": "张伟",
            "password": STRONG_PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "校验位" in response.json()["errors"]["national_id"][0]


def test_a_wrong_password_gets_a_clear_400(api_client):
    person = InsuredPersonFactory(with_user=True)
    response = api_client.post(
        TOKEN, {"username": person.national_id, "password": "wrong-password"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["password"]


def test_repeated_failures_are_throttled_with_429_even_for_the_right_password(api_client):
    person = InsuredPersonFactory(with_user=True)
    for _attempt in range(settings.LOGIN_FAILURES_PER_USERNAME):
        api_client.post(TOKEN, {"username": person.national_id, "password": "wrong"}, format="json")
    response = api_client.post(
        TOKEN, {"username": person.national_id, "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["detail"]


def test_the_token_authenticates_api_calls(api_client):
    person = InsuredPersonFactory(with_user=True)
    token = api_client.post(
        TOKEN, {"username": person.national_id, "password": TEST_PASSWORD}, format="json"
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/me/").status_code == 200
