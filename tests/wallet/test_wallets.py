"""Opening a wallet (本人开通 / 代开通) and its usage region (使用地)."""

import pytest

from accounts.errors import BusinessRuleViolation
from accounts.models import LedgerAccount, Region
from tests.wallet.conftest import shanghai
from tests.wallet.factories import (
    OTHER_REGION,
    WALLET_REGION,
    bind,
    insured_person,
    open_wallet,
    region,
)
from wallet.models import UsageRegionChange, Wallet
from wallet.selectors import wallet_usage_history
from wallet.services import family, wallets

pytestmark = pytest.mark.django_db


def test_a_person_opens_their_own_wallet_with_consent_usage_region_and_phone():
    # given
    person = insured_person()
    # when
    wallet = wallets.wallet_open(by=person, usage_region=region(OTHER_REGION))
    # then
    assert wallet.status == Wallet.Status.OPEN
    assert (wallet.insured_region_id, wallet.usage_region_id) == (WALLET_REGION, OTHER_REGION)
    assert wallet.phone == person.phone and wallet.masked_phone == "138****0000"
    assert wallet.consent_at is not None and wallet.opened_by == person
    assert wallet.account.kind == LedgerAccount.Kind.WALLET and wallet.account.balance_fen == 0


def test_opening_needs_consent():
    with pytest.raises(BusinessRuleViolation) as caught:
        wallets.wallet_open(by=insured_person(), usage_region=region(), consent=False)
    assert caught.value.field == "consent"


def test_a_wallet_opens_once():
    person = insured_person()
    open_wallet(person)
    with pytest.raises(BusinessRuleViolation, match="已开通") as caught:
        open_wallet(person)
    assert caught.value.status_code == 409


def test_only_where_the_wallet_is_enabled_for_the_insured_and_the_usage_region():
    person = insured_person()
    Region.objects.filter(pk=OTHER_REGION).update(wallet_enabled=False)
    with pytest.raises(BusinessRuleViolation, match="使用地") as caught:
        wallets.wallet_open(by=person, usage_region=region(OTHER_REGION))
    assert caught.value.field == "usage_region"
    Region.objects.filter(pk=WALLET_REGION).update(wallet_enabled=False)
    with pytest.raises(BusinessRuleViolation, match="参保地"):
        wallets.wallet_open(by=person, usage_region=region(WALLET_REGION))


def test_a_confirmed_family_member_opens_it_for_the_other():
    """代开通: the wallet is the member's, opened by the relative."""
    parent, child = insured_person(), insured_person()
    bind(parent, child, "CHILD")
    wallet = wallets.wallet_open(by=parent, for_person=child, usage_region=region())
    assert wallet.person == child and wallet.opened_by == parent


def test_nobody_else_opens_a_wallet_for_someone():
    a, b = insured_person(), insured_person()
    binding = family.family_binding_request(
        requester=a, national_id=b.national_id, name=b.name, relation="SPOUSE"
    )
    assert binding.status == "PENDING"
    with pytest.raises(BusinessRuleViolation, match="已确认绑定") as caught:
        wallets.wallet_open(by=a, for_person=b, usage_region=region())
    assert caught.value.field == "for_national_id"
    assert not Wallet.objects.filter(person=b).exists()


def test_every_usage_region_change_is_kept_with_its_time(clock):
    person = insured_person()
    wallet = open_wallet(person)
    clock.move_to(shanghai(2025, 4, 1, 9, 30))
    wallets.wallet_usage_region_change(by=person, usage_region=region(OTHER_REGION))
    clock.move_to(shanghai(2025, 5, 2, 15, 0))
    wallets.wallet_usage_region_change(by=person, usage_region=region(WALLET_REGION))
    history = [
        (c.from_region_id, c.to_region_id, c.changed_at)
        for c in wallet_usage_history(wallet=wallet)
    ]
    assert history == [
        (OTHER_REGION, WALLET_REGION, shanghai(2025, 5, 2, 15, 0)),
        (WALLET_REGION, OTHER_REGION, shanghai(2025, 4, 1, 9, 30)),
        (None, WALLET_REGION, shanghai(2025, 3, 10, 10, 0)),
    ]
    wallet.refresh_from_db()
    assert wallet.usage_region_id == WALLET_REGION


def test_changing_to_the_same_usage_region_is_refused():
    person = insured_person()
    open_wallet(person)
    with pytest.raises(BusinessRuleViolation, match="相同"):
        wallets.wallet_usage_region_change(by=person, usage_region=region())
    assert UsageRegionChange.objects.count() == 1


def test_without_a_wallet_there_is_no_usage_region_to_change():
    with pytest.raises(BusinessRuleViolation) as caught:
        wallets.wallet_usage_region_change(by=insured_person(), usage_region=region())
    assert caught.value.status_code == 404
