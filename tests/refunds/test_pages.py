"""The employer's portal pages: batches with status and totals, per-employee and per-month
details with both shares, the CSV export and the pending account; another employer's batch is
not found. Query counts stay fixed however many rows a page shows."""

import pytest
from django.urls import reverse

from refunds.services import batches
from tests.factories import EmployerFactory, UserFactory

from .conftest import receive
from .factories import batch_payload, employer_with_employees, item

pytestmark = pytest.mark.django_db


def signed_in(client, employer):
    employer.user = UserFactory(username=employer.code, kind="EMPLOYER")
    employer.save(update_fields=["user"])
    client.force_login(employer.user)
    return client


@pytest.fixture
def approved(xian_staff):
    employer, people = employer_with_employees(3)
    items = [
        item(p, period, "10000.00", "8000.00") for p in people for period in ("202404", "202405")
    ]
    batch = receive(batch_payload(employer, items))
    return batches.refund_batch_approve(batch_id=batch.pk, by=xian_staff)


def test_the_batches_page_lists_the_employers_batches_with_totals(
    client, approved, django_assert_num_queries
):
    signed_in(client, approved.employer)
    # session, user, employer, count, batches, pending account; the session's save (3)
    with django_assert_num_queries(9):
        page = client.get(reverse("refunds:batches"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "SW-2024-001" in text and "1200.00" in text  # 3 employees × 2 months × 200


def test_the_batch_page_shows_each_employee_and_month_with_both_shares(
    client, approved, django_assert_num_queries
):
    signed_in(client, approved.employer)
    # + batch, employees' count and page, their months, exclusions
    with django_assert_num_queries(11):
        page = client.get(reverse("refunds:batch", args=[approved.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count("202405") >= 3  # every employee's May
    assert "160.00" in text and "40.00" in text and "320.00" in text  # a month's shares, a total


def test_the_export_starts_with_the_bom(client, approved):
    signed_in(client, approved.employer)
    response = client.get(reverse("refunds:batch-export", args=[approved.pk]))
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert len(response.content.decode("utf-8-sig").splitlines()) == 1 + 6


def test_the_pending_account_page_shows_balance_and_postings(
    client, approved, django_assert_num_queries
):
    signed_in(client, approved.employer)
    # session, user, employer, account, reserved, clearances, postings' count and page; the
    # session's save (3)
    with django_assert_num_queries(11):
        page = client.get(reverse("refunds:pending-account"))
    text = page.content.decode()
    assert "1200.00" in text and "SW-2024-001" in text and "<td>差额退费</td>" in text
    assert 'action="/employer/refunds/pending/clear/"' in text


def test_with_nothing_available_the_page_says_so_instead_of_a_clearance_form(client):
    signed_in(client, EmployerFactory())
    text = client.get(reverse("refunds:pending-account")).content.decode()
    assert "暂无可清退的金额" in text
    assert "/employer/refunds/pending/clear/" not in text


def test_another_employers_batch_is_not_found(client, approved):
    signed_in(client, EmployerFactory())
    for name in ("refunds:batch", "refunds:batch-export"):
        assert client.get(reverse(name, args=[approved.pk])).status_code == 404
    listing = client.get(reverse("refunds:batches")).content.decode()
    assert "SW-2024-001" not in listing
    assert "1200.00" not in client.get(reverse("refunds:pending-account")).content.decode()


def test_persons_may_not_open_employer_pages(client, person):
    client.force_login(person.user)
    assert client.get(reverse("refunds:batches")).status_code == 403
