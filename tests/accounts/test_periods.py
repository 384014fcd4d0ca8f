"""做账期号: OPEN → ASSESSED → CLOSED; business touching a period under assessment waits."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.errors import BusinessRuleViolation
from accounts.models import AccountingPeriod, MonthlyCreditRun, Region
from accounts.services import periods
from tests.factories import InsuredPersonFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def march():
    return periods.accounting_period_open(region=Region.objects.get(pk="610100"), period="202603")


def test_a_period_is_assessed_then_closed(march):
    assert periods.accounting_period_assess(period=march).status == AccountingPeriod.Status.ASSESSED
    assert periods.accounting_period_close(period=march).status == AccountingPeriod.Status.CLOSED


def test_a_period_cannot_skip_assessment_or_be_assessed_twice(march):
    with pytest.raises(BusinessRuleViolation, match="尚未核定"):
        periods.accounting_period_close(period=march)
    periods.accounting_period_assess(period=march)
    with pytest.raises(BusinessRuleViolation, match="不能再次核定"):
        periods.accounting_period_assess(period=march)


def test_business_touching_a_period_under_assessment_is_refused_saying_why(march):
    periods.accounting_period_require_open(region_code="610100", period="202603")
    periods.accounting_period_assess(period=march)
    with pytest.raises(BusinessRuleViolation) as excinfo:
        periods.accounting_period_require_open(region_code="610100", period="202603")
    message = excinfo.value.message
    assert "202603" in message and "已核定" in message and "暂停办理" in message
    with pytest.raises(BusinessRuleViolation):
        periods.accounting_period_require_open(region_code="610100")  # the latest period
    periods.accounting_period_require_open(region_code="140100")  # another region: open


@time_machine.travel(dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC))
def test_staff_assess_and_run_the_credit_from_the_admin(
    client, contribute, django_capture_on_commit_callbacks
):
    # given
    staff = StaffUserFactory(
        regions=["610100"],
        permissions=["accounts.view_accountingperiod", "accounts.change_accountingperiod"],
    )
    client.force_login(staff)
    contribute(InsuredPersonFactory(), "202604")
    period = periods.accounting_period_open(region=Region.objects.get(pk="610100"), period="202604")
    changelist = reverse("admin:accounts_accountingperiod_changelist")
    # when
    client.post(changelist, {"action": "assess", "_selected_action": [period.pk]})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "run_monthly_credit", "_selected_action": [period.pk]})
    # then
    period.refresh_from_db()
    assert period.status == AccountingPeriod.Status.ASSESSED
    assert MonthlyCreditRun.objects.get().credited_count == 1


def test_staff_of_another_region_cannot_act_on_the_period(client, march):
    staff = StaffUserFactory(
        regions=["140100"],
        permissions=["accounts.view_accountingperiod", "accounts.change_accountingperiod"],
    )
    client.force_login(staff)
    client.post(
        reverse("admin:accounts_accountingperiod_changelist"),
        {"action": "assess", "_selected_action": [march.pk]},
    )
    march.refresh_from_db()
    assert march.status == AccountingPeriod.Status.OPEN
