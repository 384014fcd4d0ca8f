"""Small things a first visit notices: the icon in the browser tab."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

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
