"""The person's home page in a real browser: on a phone the to-do buttons are on screen and
nothing is wider than the screen; on a 1280 px desktop the English header stays one line."""

import pytest

from tests.factories import TEST_PASSWORD
from tests.wallet.factories import insured_person
from wallet.models import Relation
from wallet.services import family

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page, live_server, person) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", person.national_id)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")


def test_on_a_phone_the_to_do_button_is_on_screen_and_nothing_overflows(live_server, browser_page):
    requester, member = insured_person(name="王德福"), insured_person()
    family.family_binding_request(
        requester=requester,
        national_id=member.national_id,
        name=member.name,
        relation=Relation.CHILD,
    )
    page = browser_page

    sign_in(page, live_server, member)

    button = page.locator('[data-kind="wallet.binding"] .todo__action')
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert box["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_on_a_desktop_the_english_header_is_one_line(live_server, browser_page):
    person = insured_person()
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})

    sign_in(page, live_server, person)
    with page.expect_navigation():
        page.click(".lang-switch button[value=en]")

    assert "Sign out" in page.locator(".site-nav").inner_text()
    nav = page.locator(".site-nav").bounding_box()
    link = page.locator(".site-nav a").first.bounding_box()
    assert nav["height"] <= link["height"] + 1
