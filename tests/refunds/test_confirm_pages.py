"""In elder mode a clearance request (money to the bank) is checked on a page of its own first."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.preferences import ELDER_COOKIE
from refunds.models import Clearance

from .test_clearances import ACCOUNT, with_pending_money

pytestmark = pytest.mark.django_db
FORM = {"amount": "123.45", "bank_name": "中国银行", "bank_account": ACCOUNT}


def test_in_elder_mode_the_request_is_shown_back_before_it_is_made(client, xian_staff):
    employer = with_pending_money(xian_staff)
    client.force_login(employer.user)
    client.cookies[ELDER_COOKIE] = "1"
    url = reverse("refunds:clearance-request")
    page = client.post(url, FORM).content.decode()
    assert "确认提交" in page and "123.45" in page and ACCOUNT in page
    assert f'name="bank_account" value="{ACCOUNT}"' in page
    assert not Clearance.objects.exists()
    assert client.post(url, {**FORM, "confirmed": "1"}).status_code == 302
    assert Clearance.objects.get(employer=employer).amount == Decimal("123.45")


def test_an_invalid_form_is_refused_without_a_question(client, xian_staff):
    employer = with_pending_money(xian_staff)
    client.force_login(employer.user)
    client.cookies[ELDER_COOKIE] = "1"
    response = client.post(reverse("refunds:clearance-request"), {**FORM, "amount": "x"})
    assert response.status_code == 302 and not Clearance.objects.exists()
