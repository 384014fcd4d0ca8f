"""API.md: resident premiums from the tax department, idempotent per person, region and year;
a bad row names its field and nothing of the batch is applied. Wallet-paid premiums count."""

import pytest
from django.utils import timezone

from accounts.models import ResidentPremiumRate
from accounts.services import ledger
from enrollment.models import Scheme
from refunds.models import ResidentPremium
from tests.factories import InsuredPersonFactory
from tests.wallet.factories import bind, insured_person, open_wallet, region
from wallet.services import payments

from .resident import XIAN

pytestmark = pytest.mark.django_db
FEED = "/api/v1/feed/resident-premiums/"


def row(person, *, year=2026, amount="380.00", region=XIAN):
    return {
        "national_id": person.national_id,
        "region": region,
        "year": year,
        "amount": amount,
        "paid_at": "2025-09-10T10:00:00+08:00",
    }


def test_premiums_are_recorded_in_fen(service_client):
    person = InsuredPersonFactory()
    response = service_client.post(FEED, {"premiums": [row(person)]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"received": 1, "unchanged": 0}
    premium = ResidentPremium.objects.get()
    assert (premium.person, premium.region_id, premium.year) == (person, XIAN, 2026)
    assert premium.amount_fen == 380_00
    assert premium.source == ResidentPremium.Source.FEED


def test_the_same_premium_again_changes_nothing(service_client):
    person = InsuredPersonFactory()
    service_client.post(FEED, {"premiums": [row(person)]}, format="json")
    again = service_client.post(FEED, {"premiums": [row(person), row(person)]}, format="json")
    assert again.status_code == 200
    assert again.json() == {"received": 0, "unchanged": 2}
    assert ResidentPremium.objects.count() == 1


def test_a_different_amount_for_a_premium_on_record_is_a_row_error(service_client):
    person = InsuredPersonFactory()
    service_client.post(FEED, {"premiums": [row(person)]}, format="json")
    response = service_client.post(
        FEED, {"premiums": [row(person, amount="400.00")]}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["premiums[0].amount"]
    assert ResidentPremium.objects.get().amount_fen == 380_00


def test_bad_rows_are_named_and_nothing_of_the_batch_is_applied(service_client):
    good, other = InsuredPersonFactory(), InsuredPersonFactory()
    payload = {
        "premiums": [
            row(good),
            {**row(other), "national_id": "610102199001011239"},
            {**row(other), "region": "999999"},
            row(other, amount="12.345"),
            {**row(other), "year": "next"},
            {**row(other), "paid_at": "yesterday"},
            row(good, year=2027),
            row(good, year=2027, amount="1.00"),
        ]
    }
    response = service_client.post(FEED, payload, format="json")
    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == [
        "premiums[1].national_id",
        "premiums[2].region",
        "premiums[3].amount",
        "premiums[4].year",
        "premiums[5].paid_at",
        "premiums[7].amount",
    ]
    assert not ResidentPremium.objects.exists()


def test_only_a_feed_service_token_may_report(api_client):
    response = api_client.post(FEED, {"premiums": [row(InsuredPersonFactory())]}, format="json")
    assert response.status_code in (401, 403)
    assert not ResidentPremium.objects.exists()


def test_a_wallet_paid_premium_counts_as_a_premium_on_record():
    # given: a wallet with money and a family member in resident insurance
    year = timezone.localdate().year + 1
    ResidentPremiumRate.objects.update_or_create(
        region=region(), year=year, defaults={"amount_fen": 380_00}
    )
    payer = insured_person()
    wallet = open_wallet(payer)
    ledger.posting_create(
        from_account=ledger.region_account(region=region()),
        to_account=wallet.account,
        amount_fen=500_00,
        kind="TEST",
        idempotency_key="seed",
    )
    child = insured_person(scheme=Scheme.RESIDENT)
    bind(payer, child, "CHILD")
    # when
    payments.wallet_premium_pay(
        payer=payer, for_national_id=child.national_id, year=year, idempotency_key="k"
    )
    # then
    premium = ResidentPremium.objects.get()
    assert (premium.person, premium.region, premium.year) == (child, region(), year)
    assert (premium.amount_fen, premium.source) == (380_00, ResidentPremium.Source.WALLET)
