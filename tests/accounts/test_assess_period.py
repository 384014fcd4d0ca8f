"""`manage.py assess_period --region CODE --period YYYYMM` (API.md) assesses a period as the
admin action does; the admin's credit run is recorded as started by the staff user."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import AccountingPeriod, MonthlyCreditRun, Region
from accounts.services import periods
from tests.factories import InsuredPersonFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def assess(*args) -> str:
    out = StringIO()
    call_command("assess_period", *args, stdout=out)
    return out.getvalue()


def test_the_command_assesses_the_period_and_exits_0_when_it_already_is():
    """核定 from the command line: the period is assessed (opened first if new); a second call
    says so and succeeds."""
    # given an open period of Xi'an
    periods.accounting_period_open(region=Region.objects.get(pk="610100"), period="202603")
    # when
    first = assess("--region", "610100", "--period", "202603")
    again = assess("--region", "610100", "--period", "202603")
    new = assess("--region", "610100", "--period", "202604")
    # then
    assert "assessed" in first and "already ASSESSED" in again and "assessed" in new
    rows = AccountingPeriod.objects.filter(region_id="610100").order_by("period")
    assert [(p.period, p.status) for p in rows] == [
        ("202603", AccountingPeriod.Status.ASSESSED),
        ("202604", AccountingPeriod.Status.ASSESSED),
    ]
    assert all(p.assessed_at for p in rows)


@pytest.mark.parametrize(
    ("region", "period", "message"),
    [
        ("999999", "202603", "unknown region 999999"),
        ("610100", "2026-03", "malformed period"),
        ("610100", "202613", "malformed period"),
    ],
)
def test_an_unknown_region_or_a_malformed_period_is_a_command_error(region, period, message):
    with pytest.raises(CommandError, match=message):
        assess("--region", region, "--period", period)
    assert not AccountingPeriod.objects.exists()


@time_machine.travel(dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC))
def test_the_admins_credit_run_is_recorded_as_started_by_the_staff_user(
    client, contribute, django_capture_on_commit_callbacks
):
    """Who started a run from the admin is on the run; the scheduled job's runs have nobody."""
    # given an assessed period with a contribution
    staff = StaffUserFactory(
        regions=["610100"],
        permissions=["accounts.view_accountingperiod", "accounts.change_accountingperiod"],
    )
    client.force_login(staff)
    contribute(InsuredPersonFactory(), "202604")
    period = periods.accounting_period_open(region=Region.objects.get(pk="610100"), period="202604")
    periods.accounting_period_assess(period=period)
    # when staff run the credit from the admin
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:accounts_accountingperiod_changelist"),
            {"action": "run_monthly_credit", "_selected_action": [period.pk]},
        )
    # then
    run = MonthlyCreditRun.objects.get()
    assert (run.started_by, run.triggered_by, run.credited_count) == (staff, "admin", 1)
