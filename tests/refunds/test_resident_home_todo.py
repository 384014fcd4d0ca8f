"""When staff ask for materials, the applicant's home page says so and links to the application."""

import pytest
from django.urls import reverse

from accounts.home import todos_for
from refunds.services import resident

from .resident import staff, waiting_refund

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def test_materials_requested_is_a_todo_until_they_arrive(in_window, client):
    refund = waiting_refund()
    assert [t.kind for t in todos_for(owner=refund.applicant)] == []

    resident.resident_refund_materials_request(
        refund_id=refund.pk, by=staff(), note="请补充缴费凭证原件照片"
    )

    (todo,) = todos_for(owner=refund.applicant)
    assert todo.kind == "refunds.materials"
    assert "请补充缴费凭证原件照片" in todo.detail
    assert todo.url == reverse("resident-refunds:detail", args=[refund.pk])
    client.force_login(refund.applicant.user)
    assert "请补充缴费凭证原件照片" in client.get(reverse("home")).content.decode()
