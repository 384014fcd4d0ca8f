"""The main journeys on a phone (375×812), in Chinese, tapping what a person or an HR clerk
would tap: balance and credits, binding a family member, a wallet transfer sent and accepted,
a transfer application followed, a refund CSV exported, elder mode, and the unbind question."""

import datetime as dt

import pytest
import time_machine

from tests.wallet.factories import family_pair, fund, insured_person, last_code, wallet_fen
from wallet.models import FamilyBinding

from .portal_data import (
    PHONE,
    employer_with_refunds,
    layout_problems,
    sign_in,
    transfer_applicant,
)
from .test_account_in_browser import credited_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def phone(new_page):
    return lambda: new_page(viewport=PHONE)


def test_a_person_checks_balance_and_credits(live_server, phone):
    with time_machine.travel(dt.datetime(2026, 4, 20, 9, tzinfo=dt.UTC), tick=True):
        person = credited_person()
    page = phone()
    sign_in(page, live_server, person.national_id)
    page.get_by_role("navigation").get_by_role("link", name="个人账户").click()
    page.select_option("#year-select", "2026")
    page.wait_for_url("**/account/?year=2026")
    assert page.get_by_test_id("balance").inner_text() == "¥480.00"
    # each credit is a card whose cells say what they are
    amount = page.get_by_test_id("credits-table").locator("td[data-label='划入金额（元）']")
    assert amount.count() == 3 and amount.first.inner_text() == "160.00"
    assert amount.first.is_visible()
    assert layout_problems(page, touch=True) == []


def test_a_person_binds_a_family_member_who_confirms(live_server, phone):
    asker, member = insured_person(name="张伟"), insured_person(name="刘芳")
    page = phone()
    sign_in(page, live_server, asker.national_id)
    page.get_by_role("navigation").get_by_role("link", name="医保钱包").click()
    page.get_by_role("link", name="家庭成员").click()
    page.fill("#id_national_id", member.national_id)
    page.fill("#id_name", member.name)
    page.select_option("#id_relation", "SPOUSE")
    page.get_by_role("button", name="提交绑定申请").click()
    assert "绑定申请已提交，等待对方确认" in page.locator(".messages").inner_text()
    # the other side signs in on their own phone and confirms
    other = phone()
    sign_in(other, live_server, member.national_id)
    other.goto(f"{live_server.url}/wallet/family/")
    assert "张伟" in other.locator("#main").inner_text()
    other.get_by_role("button", name="确认").first.click()
    assert "已确认绑定" in other.locator(".messages").inner_text()
    assert FamilyBinding.objects.get().status == FamilyBinding.Status.CONFIRMED


def test_a_wallet_transfer_is_sent_with_the_code_and_accepted(live_server, phone, morning):
    sender, recipient, _binding = family_pair()
    page = phone()
    sign_in(page, live_server, sender.national_id)
    page.goto(f"{live_server.url}/wallet/")
    page.locator(".actions").get_by_role("link", name="转账", exact=True).click()
    page.select_option("#id_to_national_id", recipient.national_id)
    page.fill("#id_amount", "66.60")
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/code/")
    page.fill("#id_code", last_code(sender))
    page.get_by_role("button", name="确认转出").click()
    page.wait_for_url("**/wallet/transfers/")
    assert "已转出 66.60 元" in page.locator(".messages").inner_text()
    # the recipient accepts
    other = phone()
    sign_in(other, live_server, recipient.national_id)
    other.goto(f"{live_server.url}/wallet/transfers/")
    accept = other.get_by_role("button", name="接收", exact=True)
    assert accept.is_visible() and layout_problems(other, touch=True) == []
    accept.click()
    assert "已接收 66.60 元" in other.locator(".messages").inner_text()
    assert wallet_fen(recipient) == 6_660


def test_a_person_follows_their_transfer_application(live_server, phone, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person, application = transfer_applicant()
    page = phone()
    sign_in(page, live_server, person.national_id)
    page.get_by_role("navigation").get_by_role("link", name="转移接续").click()
    page.get_by_role("link", name=f"#{application.pk}").click()
    page.wait_for_url(f"**/transfers/{application.pk}/")
    main = page.locator("#main").inner_text()
    assert f"转移接续申请 #{application.pk}" in main and "转出办理期限" in main
    assert layout_problems(page, touch=True) == []


def test_an_employer_exports_a_refund_csv(live_server, phone, service_client):
    employer, batch = employer_with_refunds(service_client)
    page = phone()
    sign_in(page, live_server, employer.code)
    page.get_by_role("navigation").get_by_role("link", name="差额退费").click()
    page.get_by_role("link", name=batch.reference).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出明细（CSV）").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as csv_file:
        assert "202404" in csv_file.read()


def test_elder_mode_makes_the_type_large_and_the_services_big(live_server, new_page):
    person = insured_person()
    fund(person, 123_400)
    page = new_page(viewport={"width": 360, "height": 740})  # the narrowest phone in use
    sign_in(page, live_server, person.national_id)

    def body_font_px() -> float:
        return page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")

    assert body_font_px() < 20
    page.get_by_test_id("elder-switch").click()
    page.wait_for_selector("html.elder-mode")
    assert body_font_px() >= 20
    assert page.get_by_test_id("elder-balance").inner_text() == "¥1,234.00"
    assert page.get_by_role("link", name="家庭共济转账").is_visible()
    assert layout_problems(page, touch=True) == []
    # remembered on the next page; switched off again
    page.get_by_role("navigation").get_by_role("link", name="医保钱包").click()
    assert body_font_px() >= 20
    page.get_by_test_id("elder-switch").click()
    page.wait_for_selector("html:not(.elder-mode)")
    assert body_font_px() < 20


def test_unbinding_asks_before_it_ends_the_binding(live_server, phone):
    person, spouse, binding = family_pair()
    page = phone()
    sign_in(page, live_server, person.national_id)
    page.goto(f"{live_server.url}/wallet/family/")
    page.get_by_role("button", name="解除绑定").click()
    question = page.get_by_test_id("confirm-page")
    assert spouse.name in question.inner_text()
    binding.refresh_from_db()
    assert binding.status == FamilyBinding.Status.CONFIRMED
    page.get_by_role("button", name="确认解除绑定").click()
    assert "已解除绑定" in page.locator(".messages").inner_text()
    binding.refresh_from_db()
    assert binding.status != FamilyBinding.Status.CONFIRMED
