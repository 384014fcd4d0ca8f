"""Hostile input gets a 4xx in the error shape, naming the field, and is never stored:
out-of-range dates, deep JSON, non-ASCII digits, invisible characters in names, oversize
bodies; national IDs are normalised the way people type them."""

import datetime as dt
import json

import pytest
from django.test import override_settings

from accounts.models import InsuredPerson
from enrollment.models import Enrollment
from tests.factories import (
    TEST_PASSWORD,
    EmployerFactory,
    InsuredPersonFactory,
    employee_account,
    make_national_id,
)

pytestmark = pytest.mark.django_db

PERSONS = "/api/v1/feed/persons/"
CONTRIBUTIONS = "/api/v1/feed/contributions/"


def person_row(n: int, **overrides) -> dict:
    row = {
        "national_id": make_national_id(n, prefix="610104"),
        "name": f"赵{n}",
        "retired": False,
        "enrollments": [
            {
                "region": "610100",
                "scheme": "RESIDENT",
                "status": "ACTIVE",
                "registered_at": "2020-03-01",
            }
        ],
    }
    row.update(overrides)
    return row


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    return body["errors"]


# --- item 5: dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("registered_at", "9999-12-31"),
        ("registered_at", "1899-12-31"),
        # year 10000 once converted to UTC or Asia/Shanghai
        ("registered_at", "9999-12-31T23:59:59-12:00"),
        ("last_paid_at", "9999-12-31T23:00:00+00:00"),
        ("last_paid_at", "2101-01-01T00:00:00+08:00"),
    ],
)
def test_feed_refuses_enrollment_dates_outside_1900_to_2100(service_client, field, value):
    # given
    row = person_row(1)
    row["enrollments"][0][field] = value
    # when
    response = service_client.post(PERSONS, {"persons": [row]}, format="json")
    # then
    errors = assert_error_shape(response, 400)
    assert f"persons[0].enrollments[0].{field}" in errors
    assert not InsuredPerson.objects.exists()


def test_feed_takes_the_last_moment_of_2100_in_shanghai(service_client):
    row = person_row(1)
    row["enrollments"][0]["registered_at"] = "2100-12-31T15:59:59+00:00"
    response = service_client.post(PERSONS, {"persons": [row]}, format="json")
    assert response.status_code == 200, response.json()


def test_feed_refuses_a_birth_date_outside_the_range(service_client):
    """The birth date in the ID is stored as the person's: 1850 is refused in both."""
    national_id = make_national_id(1, prefix="610104", birth=dt.date(1850, 1, 1))
    row = person_row(1, national_id=national_id, birth_date="1850-01-01")
    response = service_client.post(PERSONS, {"persons": [row]}, format="json")
    errors = assert_error_shape(response, 400)
    assert {"persons[0].national_id", "persons[0].birth_date"} <= set(errors)


def test_contribution_arrival_time_past_the_range_is_refused(service_client):
    person = InsuredPersonFactory()
    row = {
        "national_id": person.national_id,
        "region": "610100",
        "period": "202601",
        "base": "5000.00",
        "paid_at": "9999-12-31T23:59:59-12:00",
    }
    response = service_client.post(CONTRIBUTIONS, {"contributions": [row]}, format="json")
    assert "contributions[0].paid_at" in assert_error_shape(response, 400)


def test_an_out_of_range_date_is_refused_by_the_model_for_admin_forms():
    """Admin forms validate through the model: a date past 2100 is named, not saved."""
    from django.core.exceptions import ValidationError

    person = InsuredPersonFactory.build(birth_date="2999-01-01")
    with pytest.raises(ValidationError) as excinfo:
        person.full_clean(exclude=["user"])
    assert "birth_date" in excinfo.value.message_dict


# --- item 6: deep JSON, non-ASCII digits, names ---------------------------------------------


def test_json_nested_deeper_than_32_levels_is_a_400_naming_where(service_client):
    # given: 40 levels under persons[0].name
    deep = {"persons": [{"name": json.loads("[" * 40 + "]" * 40)}]}
    # when
    response = service_client.post(PERSONS, deep, format="json")
    # then
    errors = assert_error_shape(response, 400)
    (path,) = errors
    assert path.startswith("persons[0].name[0][0]")


def test_json_too_deep_for_the_json_module_is_a_400_not_a_500(api_client):
    body = '{"username": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api_client.post("/api/v1/auth/token/", body, content_type="application/json")
    errors = assert_error_shape(response, 400)
    assert next(iter(errors)).startswith("username[0]")


@pytest.mark.parametrize("national_id", ["6101041990010112²X", "61010419900101123①"])
def test_national_id_with_non_ascii_digits_is_a_400(service_client, national_id):
    response = service_client.post(
        PERSONS, {"persons": [person_row(1, national_id=national_id)]}, format="json"
    )
    assert "persons[0].national_id" in assert_error_shape(response, 400)


@pytest.mark.parametrize("base", ["1²", "５０００.00", "٥٠٠٠"])
def test_amounts_with_non_ascii_digits_are_a_400(service_client, base):
    person = InsuredPersonFactory()
    row = {"national_id": person.national_id, "region": "610100", "period": "202601"}
    response = service_client.post(
        CONTRIBUTIONS, {"contributions": [{**row, "base": base}]}, format="json"
    )
    assert "contributions[0].base" in assert_error_shape(response, 400)


@pytest.mark.parametrize("field", ["period", "region"])
def test_periods_and_region_codes_with_full_width_digits_are_a_400(service_client, field):
    person = InsuredPersonFactory()
    row = {"national_id": person.national_id, "region": "610100", "period": "202601"}
    row[field] = row[field].translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    response = service_client.post(
        CONTRIBUTIONS, {"contributions": [{**row, "base": "5000.00"}]}, format="json"
    )
    assert f"contributions[0].{field}" in assert_error_shape(response, 400)


def test_year_query_with_full_width_digits_is_a_400(person_client):
    response = person_client.get("/api/v1/me/credits/?year=２０２６")
    assert "year" in assert_error_shape(response, 400)


@pytest.mark.parametrize(
    "name",
    ["王\u202e伟", "王\u200b伟", "王\x00伟", "王\n伟", "王\u2028伟", "王\ue000伟", "\u2066王伟"],
)
def test_names_with_control_zero_width_or_bidi_characters_are_refused(service_client, name):
    response = service_client.post(PERSONS, {"persons": [person_row(1, name=name)]}, format="json")
    assert "persons[0].name" in assert_error_shape(response, 400)


def test_names_keep_the_middle_dot_and_rare_characters(service_client):
    row = person_row(1, name="阿依古丽·买买提𠀾")
    response = service_client.post(PERSONS, {"persons": [row]}, format="json")
    assert response.status_code == 200, response.json()


def test_employer_names_refuse_direction_overrides(service_client):
    row = {"code": EmployerFactory.build().code, "name": "西安\u202e司公限有", "region": "610100"}
    response = service_client.post("/api/v1/feed/employers/", {"employers": [row]}, format="json")
    assert "employers[0].name" in assert_error_shape(response, 400)


def test_family_binding_names_refuse_zero_width_characters(person_client):
    other = InsuredPersonFactory()
    response = person_client.post(
        "/api/v1/family/",
        {"national_id": other.national_id, "name": other.name + "\u200d", "relation": "SPOUSE"},
        format="json",
    )
    assert "name" in assert_error_shape(response, 400)


# --- item 12: every error in the shape; the schema documents them ---------------------------


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_over_the_size_limit_is_a_413_in_the_error_shape(api_client, content_type):
    body = (
        json.dumps({"username": "x" * 2000, "password": "y"})
        if content_type == "application/json"
        else "username=" + "x" * 2000
    )
    response = api_client.post("/api/v1/auth/token/", body, content_type=content_type)
    assert_error_shape(response, 413)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversize_multipart_body_is_a_413_too(api_client):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "x" * 2000, "password": "y"}, format="multipart"
    )
    assert_error_shape(response, 413)


def test_a_bad_host_on_an_api_path_answers_in_the_error_shape(api_client):
    response = api_client.get("/api/v1/me/", HTTP_HOST="evil.example")
    assert_error_shape(response, 400)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"method": "get"}, 405),
        ({"method": "post", "data": "x", "content_type": "text/plain"}, 415),
        (
            {
                "method": "post",
                "data": "{}",
                "content_type": "application/json",
                "HTTP_ACCEPT": "application/xml",
            },
            406,
        ),
        ({"method": "post", "data": b"\xff", "content_type": "application/json"}, 400),
    ],
)
def test_protocol_errors_answer_in_the_error_shape(api_client, kwargs, status):
    kwargs = dict(kwargs)
    response = getattr(api_client, kwargs.pop("method"))("/api/v1/auth/token/", **kwargs)
    assert_error_shape(response, status)


def test_the_schema_documents_each_endpoints_error_answers(client):
    schema = client.get("/api/schema/?format=json").json()
    error = {"$ref": "#/components/schemas/Error"}
    feed = schema["paths"]["/api/v1/feed/persons/"]["post"]["responses"]
    for code in ("400", "401", "403", "413", "415"):
        assert feed[code]["content"]["application/json"]["schema"] == error
    me = schema["paths"]["/api/v1/me/"]["get"]["responses"]
    assert {"401", "403"} <= set(me) and "413" not in me
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert {"400", "429"} <= set(token) and "401" not in token
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "errors"]


# --- item 13: national IDs as typed ------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        lambda nid: nid.lower(),
        lambda nid: f"{nid[:6]} {nid[6:14]} {nid[14:]}",
        lambda nid: nid.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}),
        lambda nid: f"\u3000{nid[:6]}\u3000{nid[6:]}".replace("X", "ｘ"),
    ],
)
def test_feed_normalises_a_national_id_as_typed(service_client, typed):
    # given: an ID ending in X, typed with spaces, full-width digits or a lower-case x
    national_id = next(
        nid for n in range(20) if (nid := make_national_id(n, prefix="610104"))[-1] == "X"
    )
    # when
    response = service_client.post(
        PERSONS, {"persons": [person_row(1, national_id=typed(national_id))]}, format="json"
    )
    # then
    assert response.status_code == 200, response.json()
    assert InsuredPerson.objects.get().national_id == national_id


def _national_id_ending_in_x() -> str:
    # A prefix the factories' sequence never uses, so the ID is free whatever ran before.
    return next(nid for n in range(100) if (nid := make_national_id(n, prefix="110101"))[-1] == "X")


def test_contributions_find_the_person_by_a_national_id_typed_in_lower_case(service_client):
    person = InsuredPersonFactory(national_id=_national_id_ending_in_x())
    employee_account(person)
    row = {
        "national_id": person.national_id.lower(),
        "region": "610100",
        "period": "202601",
        "base": "5000.00",
    }
    response = service_client.post(CONTRIBUTIONS, {"contributions": [row]}, format="json")
    assert response.status_code == 200, response.json()


def test_a_national_id_of_no_real_division_is_refused(service_client):
    row = person_row(1, national_id=make_national_id(1, prefix="610199"))
    response = service_client.post(PERSONS, {"persons": [row]}, format="json")
    assert "persons[0].national_id" in assert_error_shape(response, 400)
    assert not Enrollment.objects.exists()


def _person_with_x_and_login():
    return InsuredPersonFactory(national_id=_national_id_ending_in_x(), with_user=True)


def test_token_login_accepts_the_national_id_with_a_lower_case_x_and_spaces(api_client):
    person = _person_with_x_and_login()
    typed = f"{person.national_id[:6]} {person.national_id[6:].lower()}"
    response = api_client.post(
        "/api/v1/auth/token/", {"username": typed, "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.json()


def test_portal_login_accepts_the_national_id_with_a_lower_case_x(client):
    person = _person_with_x_and_login()
    response = client.post(
        "/login/", {"username": person.national_id.lower(), "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.user.pk)


def test_portal_forms_normalise_typed_ids_and_refuse_hostile_names_and_digits():
    from accounts.forms import YearForm
    from wallet.forms import FamilyBindingForm, TransferForm

    form = FamilyBindingForm(
        data={"national_id": "610102 19900101 001x", "name": "王\u202e伟", "relation": "SPOUSE"}
    )
    assert not form.is_valid()
    assert form.cleaned_data["national_id"] == "61010219900101001X"
    assert list(form.errors) == ["name"]
    assert "year" in YearForm(data={"year": "２０２６"}).errors
    assert "amount" in TransferForm(data={"amount": "１０.00"}).errors
