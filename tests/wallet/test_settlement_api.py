"""Settlement over the API: the person makes a payment code, the institution's token uses it."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client

from tests.factories import ServiceUserFactory
from tests.wallet.factories import client_for, wallet_fen
from tests.wallet.payment_factories import client_with_token, code_for, funded_person, institution
from wallet.models import PaymentCode

pytestmark = pytest.mark.django_db

MEDICAL = "/api/v1/wallet/payments/medical/"


@pytest.fixture
def hospital():
    return institution()


def bill(code, *, amount="35.50", ref="RX-2025-1", **extra):
    return {"payment_code": code, "bill_reference": ref, "amount": amount, **extra}


def test_the_person_makes_a_code_and_the_institution_settles_with_it(hospital):
    # given: the person asks for a code over the API
    person = funded_person(10_000)
    created = client_for(person).post(
        "/api/v1/wallet/payment-codes/",
        {"institution": hospital.code, "max_amount": "50.00"},
        format="json",
    )
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    # when the hospital's settlement token sends it with the bill
    response = client_with_token(hospital.service_user).post(MEDICAL, bill(code), format="json")
    # then paid once
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "35.50"
    assert wallet_fen(person) == 10_000 - 3_550
    listed = client_for(person).get("/api/v1/wallet/payments/").json()
    assert [p["bill_reference"] for p in listed] == ["RX-2025-1"]
    codes = client_for(person).get("/api/v1/wallet/payment-codes/").json()
    assert [(c["status"], c["institution"]) for c in codes] == [("USED", hospital.code)]
    assert "code" not in codes[0]
    call_command("verify_ledger")


def test_a_feed_token_cannot_settle_for_anyone(hospital):
    """The tax department's feed token is refused even with the person's ID and a valid code."""
    # given
    person = funded_person(10_000)
    code = code_for(person, hospital)
    payload = bill(
        code,
        national_id=person.national_id,
        institution_code=hospital.code,
        institution_name=hospital.name,
        institution_region=hospital.region_id,
    )
    # when
    response = client_with_token(ServiceUserFactory()).post(MEDICAL, payload, format="json")
    # then
    assert response.status_code == 403
    assert wallet_fen(person) == 10_000
    # and a person cannot either
    assert client_for(person).post(MEDICAL, payload, format="json").status_code == 403


def test_refusals_answer_the_institution_with_one_identical_body(hospital, clock):
    """No code, another institution's code, over the ceiling, too little money, expired:
    the same status and bytes."""
    pharmacy = institution(code="P14010002", name="太原大药房")
    hospital_client = client_with_token(hospital.service_user)
    person = funded_person(3_000)  # 30.00 yuan
    answers = []
    cases = [  # each code made just before use: a new code ends the earlier ones
        ("none", lambda: None, "10.00"),
        ("other", lambda: code_for(person, pharmacy), "10.00"),
        ("ceiling", lambda: code_for(person, hospital, max_amount="9.99"), "10.00"),
        ("insufficient", lambda: code_for(person, hospital, max_amount="100.00"), "35.50"),
    ]
    for label, make_code, amount in cases:
        code = make_code()
        payload = bill(code, amount=amount, ref=f"R-{label}")
        if code is None:
            del payload["payment_code"]
        response = hospital_client.post(MEDICAL, payload, format="json")
        answers.append((response.status_code, response.content))
    clock.shift(dt.timedelta(minutes=6))
    expired = hospital_client.post(MEDICAL, bill(code, ref="R-late"), format="json")
    answers.append((expired.status_code, expired.content))
    # then
    assert len(set(answers)) == 1, answers
    status, body = answers[0]
    assert status == 402
    text = body.decode()
    for leak in ("30.00", "30", "太原", "余额", "使用地"):
        assert leak not in text
    assert wallet_fen(person) == 3_000
    # while the person sees why on their side
    codes = client_for(person).get("/api/v1/wallet/payment-codes/").json()
    assert [c["refusal"] for c in codes] == [
        "EXPIRED",
        "OVER_CEILING",
        "OTHER_INSTITUTION",
    ]


def test_a_code_needs_an_open_wallet_and_a_known_institution(hospital):
    person = funded_person()
    client = client_for(person)
    response = client.post(
        "/api/v1/wallet/payment-codes/", {"institution": "NOPE", "max_amount": "1.00"}
    )
    assert response.status_code == 422
    assert response.json()["errors"]["institution"]
    assert not PaymentCode.objects.exists()


def test_the_portal_shows_the_code_large_once_and_the_refusals_later(hospital):
    # given
    person = funded_person()
    browser = Client()
    browser.force_login(person.user)
    page = browser.get("/wallet/payment-code/")
    assert page.status_code == 200 and hospital.name in page.content.decode()
    # when
    response = browser.post(
        "/wallet/payment-code/", {"institution": hospital.code, "max_amount": "80.00"}
    )
    # then: the code in groups of four, large, with institution and ceiling
    html = response.content.decode()
    assert response.status_code == 200 and "paycode__digits" in html
    row = PaymentCode.objects.get(person=person)
    assert row.institution == hospital and row.max_amount_fen == 8_000
    # and only on that answer: the list afterwards shows status, never the code
    again = browser.get("/wallet/payment-code/").content.decode()
    assert "paycode__digits" not in again and "有效" in again
