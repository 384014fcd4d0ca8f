"""Every portal page a visitor, a person and an employer can reach, at phone (375×812) and
desktop (1280×800) size: nothing wider than the window, every action button inside it, and
on the phone every control at least 44px tall. The pages have rows and buttons to show."""

import pytest
from django.urls import reverse

from refunds.services import resident
from tests.factories import TEST_PASSWORD
from tests.refunds.resident import IN_WINDOW, documents, person_with_login, premium, staff

from .portal_data import (
    DESKTOP,
    PHONE,
    employer_with_refunds,
    layout_problems,
    sign_in,
    transfer_applicant,
    wallet_family,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# From accounts/urls.py, the portal home and the registration: what a visitor opens.
VISITOR_PAGES = [("home", []), ("login", []), ("register", [])]
# From accounts/urls.py, wallet/urls.py and transfers/urls.py: every page (not the POST-only
# actions, nor the certificate download) of a signed-in person.
PERSON_PAGES = [
    ("home", []),
    ("my-account", []),
    ("phone-change", []),
    ("notifications", []),
    ("wallet:home", []),
    ("wallet:history", []),
    ("wallet:family", []),
    ("wallet:payment_code", []),
    ("wallet:transfers", []),
    ("wallet:transfer_new", []),
    ("wallet:transfer_code", ["awaiting"]),
    ("transfers:list", []),
    ("transfers:new", []),
]
APPLICANT_PAGES = [("transfers:list", []), ("transfers:detail", ["application"])]
# From refunds/resident_urls.py: a resident refund waiting for the materials staff asked for.
RESIDENT_REFUND_PAGES = [
    ("resident-refunds:list", []),
    ("resident-refunds:new", []),
    ("resident-refunds:detail", ["refund"]),
]
# From refunds/urls.py and enrollment/urls.py (the CSV export is a download, not a page).
EMPLOYER_PAGES = [
    ("home", []),
    ("notifications", []),
    ("enrollment:verification-cases", []),
    ("refunds:batches", []),
    ("refunds:pending-account", []),
    ("refunds:batch", ["batch"]),
]


def check_pages(new_page, live_server, pages, objects, username=None):
    """{size: {url: problems}} for the pages that have any, signed in as `username`."""
    found = {}
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport=size)
        if username:
            sign_in(page, live_server, username, TEST_PASSWORD)
        for name, args in pages:
            url = reverse(name, args=[objects[arg].pk for arg in args])
            response = page.goto(live_server.url + url)
            assert response.ok, f"{url}: {response.status}"
            problems = layout_problems(page, touch=size is PHONE)
            if problems:
                found.setdefault(size_name, {})[url] = problems
    return found


def test_a_visitors_pages_fit_phone_and_desktop(live_server, new_page):
    assert check_pages(new_page, live_server, VISITOR_PAGES, {}) == {}


def test_every_page_of_a_person_fits_phone_and_desktop(
    live_server, new_page, morning, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    person, objects = wallet_family()
    applicant, application = transfer_applicant()
    assert check_pages(new_page, live_server, PERSON_PAGES, objects, person.national_id) == {}
    assert (
        check_pages(
            new_page,
            live_server,
            APPLICANT_PAGES,
            {"application": application},
            applicant.national_id,
        )
        == {}
    )


def test_every_resident_refund_page_fits_phone_and_desktop(
    live_server, new_page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    person = person_with_login()
    premium(person)
    refund = resident.resident_refund_apply(
        applicant=person,
        refund_type="PAYMENT_ERROR",
        region_code="610100",
        year=2026,
        bank_name="中国工商银行西安高新技术产业开发区支行",
        bank_account="6222020202020202020",
        documents=documents("payment_receipt"),
        at=IN_WINDOW,
    )
    resident.resident_refund_materials_request(
        refund_id=refund.pk, by=staff(), note="请补充缴费凭证原件照片，须能看清缴费日期和金额"
    )
    pages = check_pages(
        new_page, live_server, RESIDENT_REFUND_PAGES, {"refund": refund}, person.national_id
    )
    assert pages == {}


def test_every_page_of_an_employer_fits_phone_and_desktop(live_server, new_page, service_client):
    employer, batch = employer_with_refunds(service_client)
    assert check_pages(new_page, live_server, EMPLOYER_PAGES, {"batch": batch}, employer.code) == {}
