"""Two credit runs at once on PostgreSQL: every period is credited exactly once."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AccountingPeriod, PersonalAccount, Posting, Region
from accounts.services import contributions, credits, periods
from tests.concurrency import run_in_threads
from tests.factories import InsuredPersonFactory, employee_account

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_runs_started_together_credit_each_period_once(monkeypatch):
    # given: 40 employees with two paid and assessed periods, small chunks to interleave
    monkeypatch.setattr(credits, "CHUNK_SIZE", 7)
    region = Region.objects.get(pk="610100")
    people = InsuredPersonFactory.create_batch(40)
    for person in people:
        employee_account(person)
    with time_machine.travel(dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC), tick=True):
        contributions.contributions_feed_apply(
            rows=[
                {
                    "person": p,
                    "region": region,
                    "period": period,
                    "base": Decimal("8000.00"),
                    "paid_at": timezone.now(),
                }
                for p in people
                for period in ("202603", "202604")
            ]
        )
        for period in ("202603", "202604"):
            row = periods.accounting_period_open(region=region, period=period)
            periods.accounting_period_assess(period=row)
    # when
    results = run_in_threads([lambda: credits.monthly_credit_run(region_code="610100")] * 2)
    # then
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.credited_count for r in results) == 80
    assert Posting.objects.filter(kind="CREDIT_IN_SERVICE").count() == 80
    for account in PersonalAccount.objects.select_related("current"):
        assert account.current.balance_fen == 32000
    call_command("verify_ledger", stdout=io.StringIO())
    assert AccountingPeriod.objects.count() == 2
