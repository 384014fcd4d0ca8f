"""注销: only an emptied personal account closes (its money is the person's, SPEC §3)."""

import pytest

from accounts.errors import BusinessRuleViolation
from accounts.models import PersonalAccount, Region
from accounts.services import ledger
from accounts.services.personal_accounts import personal_account_close, personal_account_open
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db


def test_an_account_with_money_does_not_close():
    account = personal_account_open(
        person=InsuredPersonFactory(), region=Region.objects.get(pk="610100")
    )
    ledger.posting_create(
        from_account=ledger.region_account(region=account.region),
        to_account=account.carried,
        amount_fen=1,
        kind="TEST_SEED",
        idempotency_key="close-test",
    )
    with pytest.raises(BusinessRuleViolation, match="仍有余额"):
        personal_account_close(account=account, reason="转出")
    assert PersonalAccount.objects.get(pk=account.pk).status == PersonalAccount.Status.ACTIVE


def test_an_empty_account_closes_with_its_reason():
    account = personal_account_open(
        person=InsuredPersonFactory(), region=Region.objects.get(pk="610100")
    )
    personal_account_close(account=account, reason="已转出至 太原市")
    account.refresh_from_db()
    assert (account.status, account.status_reason) == (
        PersonalAccount.Status.CLOSED,
        "已转出至 太原市",
    )
