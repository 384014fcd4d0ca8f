"""A staff member on a phone: the workbench says a transfer waits, one tap lists it, and the
application's page approves the 转出 step."""

import pytest

from tests.factories import TEST_PASSWORD, StaffUserFactory
from transfers.models import TransferStatus

from .portal_data import PHONE, transfer_applicant

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_staff_approve_a_transfer_from_the_workbench(live_server, new_page):
    _person, application = transfer_applicant()
    staff = StaffUserFactory(
        regions=["610100"],
        permissions=["transfers.view_transferapplication", "transfers.change_transferapplication"],
    )
    page = new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/admin/")

    line = page.get_by_test_id("workbench").locator(".workbench-item", has_text="转移接续待审核")
    assert line.locator(".workbench-count").inner_text() == "1"
    assert "Django" not in page.title()
    line.get_by_role("link").click()
    page.locator("#result_list tbody tr a").first.click()
    page.get_by_role("button", name="转出审核通过").click()

    assert "已办理" in page.locator(".messagelist").inner_text()
    application.refresh_from_db()
    assert application.status == TransferStatus.OUT_APPROVED
    page.goto(f"{live_server.url}/admin/")
    line = page.get_by_test_id("workbench").locator(".workbench-item", has_text="转移接续待审核")
    assert line.locator(".workbench-count").inner_text() == "0"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
