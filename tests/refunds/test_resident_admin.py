"""Staff review resident refunds in the admin: their region's only, overdue first; approve,
ask for materials or refuse on the review page; documents only to those who may see them."""

import datetime as dt

import pytest
from django.urls import reverse

from refunds.models import ResidentRefund

from .resident import TAIYUAN, staff, waiting_refund

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "in_window")]
Status = ResidentRefund.Status
CHANGELIST = "admin:refunds_residentrefund_changelist"


def test_the_list_shows_overdue_first_and_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    on_time, late = waiting_refund(), waiting_refund()
    ResidentRefund.objects.filter(pk=late.pk).update(due_date=dt.date(2025, 10, 1))
    client.force_login(staff())
    client.get(reverse(CHANGELIST))
    with django_assert_max_num_queries(20) as few:
        page = client.get(reverse(CHANGELIST))
    assert list(page.context["cl"].result_list) == [late, on_time]
    assert "已逾期" in page.content.decode()
    waiting_refund(), waiting_refund()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(CHANGELIST)).status_code == 200


def test_staff_of_another_region_see_nothing(client):
    refund = waiting_refund()
    client.force_login(staff(TAIYUAN))
    assert not list(client.get(reverse(CHANGELIST)).context["cl"].result_list)
    review = reverse("admin:refunds_residentrefund_review", args=[refund.pk])
    assert client.post(review, {"decision": "approve"}).status_code == 404
    document = refund.documents.get()
    url = reverse("admin:refunds_residentrefund_document", args=[refund.pk, document.pk])
    assert client.get(url).status_code == 404
    assert ResidentRefund.objects.get(pk=refund.pk).status == Status.WAITING


def test_the_review_page_asks_for_materials_then_refuses(client):
    refund = waiting_refund()
    client.force_login(staff())
    review = reverse("admin:refunds_residentrefund_review", args=[refund.pk])
    empty = client.post(review, {"decision": "materials", "note": ""})
    assert empty.status_code == 200
    assert client.post(review, {"decision": "materials", "note": "缴费凭证"}).status_code == 302
    assert ResidentRefund.objects.get().status == Status.MATERIALS_REQUESTED
    # waiting for materials it cannot be approved, only refused
    assert client.post(review, {"decision": "approve"}).status_code == 200
    assert client.post(review, {"decision": "reject", "note": "逾期未补"}).status_code == 302
    assert ResidentRefund.objects.get().status == Status.REJECTED


def test_the_review_page_approves_and_documents_download(client):
    refund = waiting_refund()
    client.force_login(staff())
    review = reverse("admin:refunds_residentrefund_review", args=[refund.pk])
    assert client.post(review, {"decision": "approve"}).status_code == 302
    assert ResidentRefund.objects.get().status == Status.APPROVED
    document = refund.documents.get()
    url = reverse("admin:refunds_residentrefund_document", args=[refund.pk, document.pk])
    assert client.get(url).status_code == 200


def test_the_change_page_shows_the_application_with_its_documents_and_steps(client):
    refund = waiting_refund()
    client.force_login(staff())
    page = client.get(reverse("admin:refunds_residentrefund_change", args=[refund.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "缴费凭证" in text and "申请人本人" in text
