"""Property: any sequence of contributions, credits, spends, carry-overs and freezes keeps
the ledger consistent (verify_ledger) and no person-side balance negative."""

import contextlib
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.errors import BusinessRuleViolation
from accounts.models import LedgerAccount, PersonalAccount, Region
from accounts.services import contributions, credits, ledger, periods, personal_accounts
from tests.factories import InsuredPersonFactory, employee_account

pytestmark = pytest.mark.django_db

PEOPLE = 3
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("contribute"),
            st.integers(0, PEOPLE - 1),
            st.integers(1, 4),
            st.integers(1000, 40000),
        ),
        st.tuples(st.just("credit")),
        st.tuples(st.just("spend"), st.integers(0, PEOPLE - 1), st.integers(1, 60000)),
        st.tuples(st.just("carry_over"), st.integers(2025, 2026)),
        st.tuples(st.just("freeze"), st.integers(0, PEOPLE - 1)),
        st.tuples(st.just("unfreeze"), st.integers(0, PEOPLE - 1)),
    ),
    min_size=1,
    max_size=20,
)


def apply(operation, people, region, fund, step):
    name, *args = operation
    if name == "contribute":
        index, month, base = args
        period = f"2026{month:02d}"
        contributions.contributions_feed_apply(
            rows=[
                {
                    "person": people[index],
                    "region": region,
                    "period": period,
                    "base": Decimal(base),
                    "paid_at": timezone.now(),
                }
            ]
        )
        row = periods.accounting_period_open(region=region, period=period)
        if row.status == row.Status.OPEN:
            periods.accounting_period_assess(period=row)
    elif name == "credit":
        credits.monthly_credit_run(region_code=region.code)
    elif name == "spend":
        index, amount = args
        account = personal_accounts.personal_account_for(person=people[index], region=region)
        with contextlib.suppress(BusinessRuleViolation):
            personal_accounts.personal_account_spend(
                account=account,
                to_account=fund,
                amount_fen=amount,
                kind="HOSPITAL",
                idempotency_key=f"spend:{step}",
            )
    elif name == "carry_over":
        credits.year_end_carry_over(year=args[0])
    else:
        account = personal_accounts.personal_account_for(person=people[args[0]], region=region)
        if name == "freeze":
            personal_accounts.personal_account_freeze(account=account, reason="测试")
        else:
            personal_accounts.personal_account_unfreeze(account=account)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations)
def test_any_sequence_keeps_the_ledger_true_and_balances_non_negative(ops):
    with (
        time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=True),
        transaction.atomic(),
    ):
        region = Region.objects.get(pk="610100")
        fund = ledger.region_account(region=region)
        people = InsuredPersonFactory.create_batch(PEOPLE)
        for person in people:
            employee_account(person)
        for step, operation in enumerate(ops):
            apply(operation, people, region, fund, step)
        call_command("verify_ledger", stdout=io.StringIO())
        assert (
            not LedgerAccount.objects.exclude(kind__in=LedgerAccount.MAY_BE_NEGATIVE)
            .filter(balance_fen__lt=0)
            .exists()
        )
        for account in PersonalAccount.objects.select_related("current", "carried"):
            if account.status != PersonalAccount.Status.ACTIVE:
                assert account.available == 0
        transaction.set_rollback(True)
