"""Staff review batches of their region in the admin: a summary before deciding, approve or
reject with a reason; batches also arrive by a CSV upload checked as the API checks them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Posting
from refunds.models import RefundBatch
from tests.factories import StaffUserFactory

from .factories import employer_with_employees

pytestmark = pytest.mark.django_db


def review_url(batch) -> str:
    return reverse("admin:refunds_refundbatch_review", args=[batch.pk])


def test_the_summary_shows_counts_totals_and_exclusions_before_approving(
    client, received_batch, xian_staff
):
    client.force_login(xian_staff)
    page = client.get(review_url(received_batch)).content.decode()
    assert "600.00" in page and "480.00" in page and "120.00" in page
    response = client.post(review_url(received_batch), {"decision": "approve"})
    assert response.status_code == 302
    received_batch.refresh_from_db()
    assert received_batch.status == RefundBatch.Status.APPROVED
    assert Posting.objects.get().amount_fen == 60000


def test_a_rejection_without_reason_is_refused_in_the_form(client, received_batch, xian_staff):
    client.force_login(xian_staff)
    page = client.post(review_url(received_batch), {"decision": "reject", "reason": ""})
    assert page.status_code == 200 and "驳回时必须填写原因" in page.content.decode()
    client.post(review_url(received_batch), {"decision": "reject", "reason": "重复报送"})
    received_batch.refresh_from_db()
    assert (received_batch.status, received_batch.reason) == ("REJECTED", "重复报送")


def test_staff_of_another_region_neither_see_nor_review_the_batch(client, received_batch):
    permissions = ["refunds.view_refundbatch", "refunds.change_refundbatch"]
    client.force_login(StaffUserFactory(regions=["140100"], permissions=permissions))
    listing = client.get(reverse("admin:refunds_refundbatch_changelist")).content.decode()
    assert "SW-2024-001" not in listing
    assert client.get(review_url(received_batch)).status_code == 404
    assert client.post(review_url(received_batch), {"decision": "approve"}).status_code == 404
    assert not Posting.objects.exists()


def upload(client, employer, text: str, reference="CSV-1"):
    return client.post(
        reverse("admin:refunds_refundbatch_upload"),
        {
            "reference": reference,
            "region": "610100",
            "employer_code": employer.code,
            "periods": "202404, 202405",
            "file": SimpleUploadedFile("batch.csv", ("\ufeff" + text).encode(), "text/csv"),
        },
    )


def test_a_csv_upload_runs_the_same_checks(client, xian_staff):
    employer, (person,) = employer_with_employees(1)
    client.force_login(xian_staff)
    header = "national_id,period,paid_base,corrected_base\n"
    # a bad row: reported by row and field, nothing received
    bad = upload(client, employer, header + f"{person.national_id},202404,10000.00,10000.00\n")
    assert "items[0].corrected_base" in bad.content.decode()
    assert not RefundBatch.objects.exists()
    # good rows: the batch is received and awaits review
    good = upload(
        client,
        employer,
        header
        + f"{person.national_id},202404,10000.00,8000.00\n"
        + f"{person.national_id},202405,10000.00,8000.00\n",
    )
    batch = RefundBatch.objects.get()
    assert good.status_code == 302 and good["Location"] == review_url(batch)
    assert (batch.item_count, batch.refund_fen, batch.submitted_by) == (2, 40000, xian_staff)


def test_a_csv_with_other_columns_is_refused(client, xian_staff):
    employer, _people = employer_with_employees(1)
    client.force_login(xian_staff)
    page = upload(client, employer, "id,month\n1,2\n").content.decode()
    assert "national_id,period,paid_base,corrected_base" in page
    assert not RefundBatch.objects.exists()
