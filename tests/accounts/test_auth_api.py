"""实名注册 and sign-in through the API (API.md, Auth)."""

import pytest
from django.conf import settings

from accounts.models import User
from tests.factories import TEST_PASSWORD, EmployerFactory, InsuredPersonFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
STRONG_PASSWORD = "Qiang-mima-2026"


def test_a_known_person_registers_with_matching_name_and_gets_a_token(api_client):
    # given
    person = InsuredPersonFactory(name="张伟")
    # when
    response = api_client.post(
        REGISTER,
        {
            "national_id": person.national_id,
            "name": "张伟",
            "phone": "13912345678",
            "password": STRONG_PASSWORD,
        },
        format="json",
    )
    # then
    assert response.status_code == 201, response.json()
    person.refresh_from_db()
    assert person.user.username == person.national_id
    assert person.user.kind == User.Kind.PERSON
    assert person.phone == "13912345678"
    token = api_client.post(
        TOKEN, {"username": person.national_id, "password": STRONG_PASSWORD}, format="json"
    )
    assert token.status_code == 200
    assert len(token.json()["token"]) == 40


def test_registration_with_a_wrong_name_is_refused_and_creates_nothing(api_client):
    person = InsuredPersonFactory(name="张伟")
    response = api_client.post(
        REGISTER,
        {
            "national_id": person.national_id,
            "name": "张三",
            "phone": "13912345678",
            "password": STRONG_PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "national_id" in body["errors"]
    assert body["detail"]
    assert not User.objects.filter(username=person.national_id).exists()


def test_registration_for_an_unknown_person_gives_the_same_refusal(api_client):
    known = InsuredPersonFactory(name="张伟")
    unknown_id = "11010519491231002X"
    wrong_name = api_client.post(
        REGISTER,
        {
            "national_id": known.national_id,
            "name": "李四",
            "phone": "13912345678",
            "password": STRONG_PASSWORD,
        },
        format="json",
    ).json()
    unknown = api_client.post(
        REGISTER,
        {
            "national_id": unknown_id,
            "name": "李四",
            "phone": "13912345678",
            "password": STRONG_PASSWORD,
        },
        format="json",
    ).json()
    assert wrong_name["errors"] == unknown["errors"]


def test_an_invalid_national_id_is_named_in_the_errors(api_client):
    response = api_client.post(
        REGISTER,
        {
            "national_id": "110105194912310021",
            "name": "张伟",
            "phone": "13912345678",
            "password": STRONG_PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "校验位" in response.json()["errors"]["national_id"][0]


def test_registering_twice_is_a_conflict(api_client):
    person = InsuredPersonFactory(with_user=True)
    response = api_client.post(
        REGISTER,
        {
            "national_id": person.national_id,
            "name": person.name,
            "phone": "13912345678",
            "password": STRONG_PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 409


def test_a_weak_password_is_refused_on_the_password_field(api_client):
    person = InsuredPersonFactory()
    response = api_client.post(
        REGISTER,
        {
            "national_id": person.national_id,
            "name": person.name,
            "phone": "13912345678",
            "password": "12345678",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert not User.objects.filter(username=person.national_id).exists()


def test_an_employer_registers_with_its_credit_code(api_client):
    employer = EmployerFactory(name="西安示例科技有限公司")
    response = api_client.post(
        REGISTER,
        {
            "employer_code": employer.code,
            "name": "西安示例科技有限公司",
            "phone": "02988888888",
            "password": STRONG_PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    employer.refresh_from_db()
    assert employer.user.kind == User.Kind.EMPLOYER
    assert employer.user.username == employer.code


def test_a_wrong_password_gets_a_clear_400(api_client):
    person = InsuredPersonFactory(with_user=True)
    response = api_client.post(
        TOKEN, {"username": person.national_id, "password": "wrong-password"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["password"]


def test_repeated_failures_are_throttled_with_429_even_for_the_right_password(api_client):
    person = InsuredPersonFactory(with_user=True)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
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
