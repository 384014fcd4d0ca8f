"""长辈模式: a header switch remembered in a cookie; every page then carries the class that
enlarges type, and the person's home page shows the balance and the three most used services."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.preferences import ELDER_COOKIE, ELDER_COOKIE_MAX_AGE
from tests.factories import InsuredPersonFactory
from tests.wallet.factories import fund

pytestmark = pytest.mark.django_db


def elder_client(person=None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person.user)
    client.post(reverse("elder-mode"), {"on": "1", "next": "/"})
    return client


def test_the_switch_sets_a_long_lived_cookie_and_returns_to_the_page():
    response = Client().post(reverse("elder-mode"), {"on": "1", "next": "/login/?next=/account/"})
    assert response.status_code == 302 and response["Location"] == "/login/?next=/account/"
    cookie = response.cookies[ELDER_COOKIE]
    assert cookie.value == "1" and cookie["max-age"] == ELDER_COOKIE_MAX_AGE
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_the_switch_never_redirects_to_another_site():
    for target in ("https://evil.example/", "//evil.example/", ""):
        response = Client().post(reverse("elder-mode"), {"on": "1", "next": target})
        assert response["Location"] == reverse("home")


def test_the_switch_is_a_post_only():
    assert Client().get(reverse("elder-mode")).status_code == 405


def test_pages_carry_the_elder_class_until_it_is_switched_off():
    client = elder_client()
    assert '<html lang="zh-hans" class="elder-mode">' in client.get("/login/").content.decode()
    response = client.post(reverse("elder-mode"), {"on": "0", "next": "/login/"})
    assert response.cookies[ELDER_COOKIE].value == ""  # deleted
    page = client.get("/login/").content.decode()
    assert 'class="elder-mode"' not in page and 'aria-pressed="false"' in page


def test_the_home_page_shows_the_balance_and_three_big_services_in_elder_mode_only():
    person = InsuredPersonFactory(with_user=True)
    fund(person, 48_000)
    client = Client()
    client.force_login(person.user)
    assert 'data-testid="elder-actions"' not in client.get("/").content.decode()
    page = elder_client(person).get("/").content.decode()
    assert 'data-testid="elder-actions"' in page and "¥480.00" in page
    for url in (reverse("my-account"), reverse("wallet:transfer_new"), reverse("transfers:list")):
        assert f'href="{url}"' in page
