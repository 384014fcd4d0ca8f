"""A demo person signs in with a real browser and sees balance, chart and monthly credits."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Region
from accounts.services import contributions, credits, periods
from tests.factories import TEST_PASSWORD, InsuredPersonFactory, employee_account

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


# The rendered size of the chart's smallest label: font size in SVG units times the SVG's scale.
SMALLEST_CHART_TEXT_PX = """() => {
  const svg = document.querySelector('.credit-chart svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize));
  return Math.min(...sizes) * scale;
}"""


def credited_person():
    person = InsuredPersonFactory(with_user=True, name="王建军")
    region = Region.objects.get(pk="610100")
    employee_account(person)
    for period in ("202601", "202602", "202603"):
        contributions.contributions_feed_apply(
            rows=[
                {
                    "person": person,
                    "region": region,
                    "period": period,
                    "base": Decimal("8000.00"),
                    "paid_at": timezone.now(),
                }
            ]
        )
        periods.accounting_period_assess(
            period=periods.accounting_period_open(region=region, period=period)
        )
    credits.monthly_credit_run(region_code="610100")
    return person


def test_a_person_signs_in_and_sees_balance_chart_and_credits(live_server, browser_page):
    # given
    with time_machine.travel(dt.datetime(2026, 4, 20, 9, tzinfo=dt.UTC), tick=True):
        person = credited_person()
    page = browser_page
    # when
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", person.national_id)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.click("text=个人账户")
    page.select_option("#year-select", "2026")
    page.wait_for_url("**/account/?year=2026")
    # then
    assert page.get_by_test_id("balance").inner_text() == "¥480.00"
    chart = page.get_by_test_id("credit-chart")
    assert chart.is_visible()
    assert chart.locator("rect.credit-chart__bar").count() == 12
    assert chart.locator("rect.credit-chart__bar--empty").count() == 9
    table = page.get_by_test_id("credits-table")
    assert table.locator("tbody tr").count() == 3
    assert "160.00" in table.inner_text()
    # each bar says its amount, in text a phone renders at 12 px or more
    assert chart.locator("text.credit-chart__value").all_text_contents()[:4] == [
        "160.00",
        "160.00",
        "160.00",
        "0.00",
    ]
    smallest = page.evaluate(SMALLEST_CHART_TEXT_PX)
    assert smallest >= 12, smallest
    # the statement's amounts and balances are on the phone's screen, not scrolled away
    statement = page.get_by_test_id("statement")
    assert statement.locator("tbody tr").count() == 3
    amount = statement.locator(".statement__amount").first
    assert amount.inner_text() == "+160.00"
    box = amount.bounding_box()
    assert box["x"] + box["width"] <= 390
