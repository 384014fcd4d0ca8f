"""A guardian review in the admin says whose binding waits and what staff check."""

import pytest
from django.urls import reverse

from tests.wallet.factories import ask, child, evidence, insured_person, taiyuan_staff

pytestmark = pytest.mark.django_db


def test_a_waiting_review_names_the_parent_the_child_and_the_evidence(client):
    minor, parent = child(), insured_person()
    ask(parent, minor, evidence=evidence())
    client.force_login(taiyuan_staff())
    page = client.get(reverse("admin:wallet_guardianreview_changelist")).content.decode()
    assert "为何等待" in page
    assert f"{parent.name} 申请绑定未成年子女 {minor.name}" in page
    assert "核对证明材料“户口簿.pdf”" in page
