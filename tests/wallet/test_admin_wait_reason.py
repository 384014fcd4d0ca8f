"""A guardian review in the admin says whose binding waits and what staff check."""

import pytest
from django.urls import reverse

from tests.wallet.factories import insured_person

# The evidence is stored where the guardian tests keep it (a temporary private media root).
from .test_guardians import ask, child, evidence, private_media, taiyuan_staff  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def test_a_waiting_review_names_the_parent_the_child_and_the_evidence(client):
    minor, parent = child(), insured_person()
    ask(parent, minor, evidence=evidence())
    client.force_login(taiyuan_staff())
    page = client.get(reverse("admin:wallet_guardianreview_changelist")).content.decode()
    assert "为何等待" in page
    assert f"{parent.name} 申请绑定未成年子女 {minor.name}" in page
    assert "核对证明材料“户口簿.pdf”" in page
