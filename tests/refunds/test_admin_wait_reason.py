"""A refund batch in the admin says what its review decides, in yuan."""

from django.urls import reverse


def test_a_received_batch_says_what_waits_for_review(client, received_batch, xian_staff):
    client.force_login(xian_staff)
    page = client.get(reverse("admin:refunds_refundbatch_changelist")).content.decode()
    assert "为何等待" in page
    assert "等待本统筹区经办人员审核：3 条明细（剔除 0 条），退费合计 600.00 元" in page
