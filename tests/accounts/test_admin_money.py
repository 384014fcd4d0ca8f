"""Staff read amounts in yuan with two decimals and business names, never fen or codes, in
every admin list, change page and read-only page."""

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.admin_display import format_yuan
from accounts.models import LedgerAccount, Posting, PostingKind, Region
from accounts.services import ledger
from tests.factories import InsuredPersonFactory, UserFactory
from tests.refunds.conftest import receive
from tests.refunds.factories import batch_payload, employer_with_employees, item

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="STAFF"))
    return client


def result_table(page: str) -> str:
    return re.search(r'<table id="result_list">.*?</table>', page, re.S).group(0)


def a_credit_of_200_yuan() -> Posting:
    person = InsuredPersonFactory()
    return ledger.posting_create(
        from_account=ledger.region_account(region=Region.objects.get(pk="610100")),
        to_account=ledger.person_account(person=person, kind=LedgerAccount.Kind.PERSON_CURRENT),
        amount_fen=20000,
        kind="CREDIT_IN_SERVICE",
        idempotency_key="credit-1",
    )


def test_amounts_read_in_yuan_with_two_decimals():
    assert format_yuan(20000) == "200.00"
    assert format_yuan(123456789) == "1,234,567.89"
    assert format_yuan(Decimal("5")) == "5.00"
    assert format_yuan(None) == "—"


def test_posting_kinds_have_business_names_and_unknown_ones_keep_their_code():
    assert PostingKind.name_of("CREDIT_IN_SERVICE") == "月度划入（在职）"
    assert PostingKind.name_of("WALLET_TRANSFER_SEND") == "家庭共济转出"
    assert PostingKind.name_of("SOMETHING_NEW") == "SOMETHING_NEW"


def test_the_postings_list_shows_yuan_and_the_kind_by_name(superuser_client):
    a_credit_of_200_yuan()
    page = superuser_client.get(reverse("admin:accounts_posting_changelist")).content.decode()
    table = result_table(page)
    assert "金额（元）" in table and "200.00" in table and "20000" not in table
    assert "月度划入（在职）" in table and "CREDIT_IN_SERVICE" not in table
    # the kind filter offers names too
    assert "家庭共济转入" in page


def test_a_posting_page_shows_yuan_not_fen(superuser_client):
    posting = a_credit_of_200_yuan()
    page = superuser_client.get(
        reverse("admin:accounts_posting_change", args=[posting.pk])
    ).content.decode()
    assert "金额（元）" in page and "200.00" in page
    assert "金额（分）" not in page and "20000" not in page
    assert "月度划入（在职）" in page


def test_refund_batches_and_items_show_yuan(superuser_client):
    employer, (person,) = employer_with_employees(1)
    batch = receive(batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")]))
    batches = superuser_client.get(reverse("admin:refunds_refundbatch_changelist")).content
    assert "退费合计（元）" in result_table(batches.decode())
    items = superuser_client.get(
        reverse("admin:refunds_refunditem_changelist") + f"?batch__id__exact={batch.pk}"
    ).content.decode()
    table = result_table(items)
    assert "原缴费基数（元）" in table and "10,000.00" in table
    assert "（分）" not in table
    detail = superuser_client.get(
        reverse("admin:refunds_refundbatch_change", args=[batch.pk])
    ).content.decode()
    assert "（分）" not in detail


def test_no_admin_shows_an_amount_field_in_fen():
    """Every registered admin: list columns and page fields name no `*_fen` model field."""
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True, kind="STAFF")
    for model, model_admin in admin.site._registry.items():
        fen_fields = {f.name for f in model._meta.concrete_fields if f.name.endswith("_fen")}
        if not fen_fields:
            continue
        shown = set(model_admin.get_list_display(request)) | set(
            model_admin.get_fields(request, None)
        )
        assert not shown & fen_fields, model
        labels = [
            str(getattr(model_admin, name).short_description)
            for name in shown
            if isinstance(name, str) and name.endswith("_yuan")
        ]
        assert all("（元）" in label for label in labels), (model, labels)
