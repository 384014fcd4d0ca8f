"""Content-Security-Policy: every portal page carries it and satisfies it with no inline
script, no event-handler attribute and no inline style (issue #9, item 14)."""

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.views.defaults import server_error

from accounts.models import Employer, InsuredPerson, User
from config.exceptions import json_server_error
from demo.services import demo_data_seed

pytestmark = pytest.mark.django_db

# Not portal pages: the admin and the API (checked below), redirects and POST-only endpoints.
NOT_PORTAL = ("admin/", "api/", "i18n/", "session/", "account/api-token/", "healthz", "logout/")


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


class InlineCodeFinder(HTMLParser):
    """Collects what a strict policy blocks: <script> without src, on*= handlers, style=
    attributes, <style> elements and javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            if name in {"href", "src", "action"} and (value or "").lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


def portal_paths() -> list[str]:
    """Every GET-able portal address without parameters, straight from the URLconf."""
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<" not in route:
                found.append("/" + route.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns)
    return sorted({p for p in found if not p[1:].startswith(NOT_PORTAL)})


def demo_clients() -> dict[str, Client]:
    """Anonymous, one demo person, one demo employer and demo staff, each signed in."""
    demo_data_seed()
    users = {
        "person": InsuredPerson.objects.filter(user__isnull=False).first().user,
        "employer": Employer.objects.filter(user__isnull=False).first().user,
        "staff": User.objects.get(username="staff_xian"),
        "admin": User.objects.get(username="admin"),
    }
    clients = {"anonymous": Client()}
    for label, user in users.items():
        clients[label] = Client()
        clients[label].force_login(user)
    return clients


def test_every_portal_page_of_every_demo_user_has_the_policy_and_no_inline_code():
    """For every demo user, each portal page answers with the strict policy and nothing in
    it needs 'unsafe-inline': no <script> without src, no on*= handler, no style=."""
    # given
    clients = demo_clients()
    paths = portal_paths()
    assert {
        "/",
        "/login/",
        "/register/",
        "/account/",
        "/wallet/",
        "/employer/verification/",
    } <= set(paths)
    rendered = set()
    # when
    for label, client in clients.items():
        for path in paths:
            response = client.get(path)
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
            rendered.add((label, path))
            # then
            directives = csp_directives(response)
            assert directives["script-src"] == ["'self'"], (label, path)
            assert "'unsafe-inline'" not in directives["style-src"], (label, path)
            assert directives["frame-ancestors"] == ["'none'"]
            assert inline_code(response.content.decode()) == [], (label, path)
    assert {
        ("anonymous", "/register/"),
        ("person", "/account/"),
        ("person", "/account/phone/"),
        ("person", "/wallet/"),
        ("person", "/wallet/family/"),
        ("person", "/wallet/transfers/new/"),
        ("employer", "/employer/verification/"),
        ("staff", "/"),
    } <= rendered
    not_found = clients["anonymous"].get("/no-such-page/")
    assert not_found.status_code == 404
    assert csp_directives(not_found)["script-src"] == ["'self'"]
    assert inline_code(not_found.content.decode()) == []


def test_the_policy_has_every_directive_the_portal_promises(client):
    """default-src, script-src and style-src 'self', images also as data:, no framing, forms
    and <base> only to the portal itself."""
    # when
    directives = csp_directives(client.get("/"))
    # then
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"][0] == "'self'"
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]


def test_the_account_year_picker_submits_from_the_static_script_not_an_attribute(client, person):
    """The year picker on the account page used onchange=; the same behaviour now comes from
    static/js/portal.js, which every page loads."""
    # given
    client.force_login(person.user)
    # when
    body = client.get("/account/").content.decode()
    # then
    assert 'id="year-select" name="year" data-autosubmit' in body
    assert '<script src="/static/js/portal.js" defer></script>' in body
    script = (settings.BASE_DIR / "static" / "js" / "portal.js").read_text()
    assert "select[data-autosubmit]" in script


def test_the_500_page_style_block_is_allowed_by_its_hash():
    """The self-contained 500 page keeps its <style>; the policy names that block's hash, so
    an edit to the block without a new hash fails here."""
    # given
    request = RequestFactory().get("/")
    body = server_error(request).content.decode()
    style = re.search(r"<style>(.*?)</style>", body, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    # when
    response = json_server_error(request)
    # then
    assert f"'sha256-{digest}'" == settings.ERROR_PAGE_STYLE_HASH
    assert f"'sha256-{digest}'" in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    assert response.status_code == 500


def test_the_admin_login_page_has_the_policy_and_no_inline_code(client):
    # when
    response = client.get("/admin/login/")
    # then
    assert response.status_code == 200
    assert csp_directives(response)["script-src"] == ["'self'"]
    assert inline_code(response.content.decode()) == []


def test_the_api_docs_load_their_start_up_script_from_the_server(client):
    """Swagger UI's start-up script is a separate same-origin request, so the docs page needs
    no script exception; the script itself is served as JavaScript."""
    # when
    page = client.get("/api/docs/")
    # then
    assert page.status_code == 200
    assert csp_directives(page)["script-src"] == ["'self'"]
    assert inline_code(page.content.decode()) == []
    script_src = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', page.content.decode())
    script = client.get(script_src.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
