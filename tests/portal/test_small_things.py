"""Small things a first visit notices: the icon in the browser tab, words explained."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db


def test_pages_name_the_icon_and_favicon_ico_leads_to_it(client):
    """The page's <link rel=icon> and the /favicon.ico browsers ask for anyway find one SVG."""
    body = client.get("/").content.decode()
    response = client.get("/favicon.ico")

    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in body
    assert response.status_code == 301
    assert response["Location"] == static("favicon.svg")
    with open(finders.find("favicon.svg"), encoding="utf-8") as icon:
        assert icon.read().startswith("<svg")


def test_the_account_page_explains_period_in_plain_words(client):
    """期号 heads the account page's tables: a tap-to-open note says what it means."""
    person = InsuredPersonFactory(with_user=True)
    client.force_login(person.user)

    body = client.get(reverse("my-account")).content.decode()

    assert '<details class="glossary">' in body
    assert "202611 就是 2026 年 11 月" in body
