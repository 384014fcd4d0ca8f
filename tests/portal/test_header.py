"""The header every page shares: its links lead where their names say, also under a prefix."""

import pytest
from django.test.utils import override_script_prefix
from django.urls import reverse

from accounts.context_processors import HEADER_URL_NAMES
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db


def test_a_persons_header_links_to_their_pages(client):
    person = InsuredPersonFactory(with_user=True)
    client.force_login(person.user)

    body = client.get("/").content.decode()

    for name in ("home", "my-account", "wallet:home", "transfers:list", "resident-refunds:list"):
        assert f'href="{reverse(name)}"' in body
    assert f'action="{reverse("logout")}"' in body
    assert f'action="{reverse("elder-mode")}"' in body


def test_a_visitors_header_offers_sign_in_and_registration(client):
    body = client.get("/").content.decode()

    assert f'href="{reverse("login")}"' in body
    assert f'href="{reverse("register")}"' in body


def test_header_links_carry_the_script_prefix_the_portal_is_served_under(client):
    """Behind a proxy that mounts the portal under /yibao/, every header link starts there."""
    client.get("/")  # the links under no prefix are remembered first
    with override_script_prefix("/yibao/"):
        body = client.get("/").content.decode()

    assert f'href="/yibao{reverse("login")}"' in body
    assert f'href="/yibao{reverse("register")}"' in body
    assert f'action="/yibao{reverse("set_language")}"' in body
    assert f'href="{reverse("login")}"' not in body


def test_every_header_link_name_resolves():
    assert all(reverse(name).startswith("/") for name in HEADER_URL_NAMES)
