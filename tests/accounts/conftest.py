import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AccountingPeriod, PersonalAccount, Region
from accounts.services import contributions, periods
from tests.factories import InsuredPersonFactory, employee_account


@pytest.fixture
def contribute(db):
    """Record one contribution as the tax feed would: (person, region, period, base, paid?),
    for an employee whose account the enrollment feed opened (unless told there is none)."""

    def record(person, period, base="8000.00", *, region="610100", paid=True, account=True):
        if account and not PersonalAccount.objects.filter(person=person, region=region).exists():
            employee_account(person, region)
        contributions.contributions_feed_apply(
            rows=[
                {
                    "person": person,
                    "region": Region.objects.get(pk=region),
                    "period": period,
                    "base": Decimal(base),
                    "paid_at": timezone.now() if paid else None,
                }
            ]
        )

    return record


@pytest.fixture
def assess(db):
    """Open and assess (核定) periods of a region."""

    def run(*period_codes, region="610100"):
        for code in period_codes:
            row = periods.accounting_period_open(region=Region.objects.get(pk=region), period=code)
            if row.status == AccountingPeriod.Status.OPEN:
                periods.accounting_period_assess(period=row)

    return run


@pytest.fixture
def retiree(db):
    def make(*, born: dt.date, region="610100"):
        from accounts.services.personal_accounts import personal_account_open

        person = InsuredPersonFactory(retired=True, birth_date=born)
        personal_account_open(
            person=person, region=Region.objects.get(pk=region), opened_period="202401"
        )
        return person

    return make
