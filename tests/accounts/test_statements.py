"""账户明细: each row from the owner's side with a running balance that adds up on every page;
a page costs the same number of queries however many postings there are."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.identity import mask_name
from accounts.models import PostingKind, Region
from accounts.selectors import personal_account_parts
from accounts.services import ledger
from accounts.services.personal_accounts import personal_account_open
from accounts.statements import cursor_parse, statement_page
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db

XIAN = "610100"


@pytest.fixture(autouse=True)
def frozen_clock():
    # Every posting at the same instant: the order falls back on the posting id.
    with time_machine.travel(dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def account():
    person = InsuredPersonFactory(with_user=True)
    return personal_account_open(person=person, region=Region.objects.get(pk=XIAN))


def credit(account, fen, period="202603"):
    ledger.posting_create(
        from_account=ledger.region_account(region=account.region),
        to_account=account.current,
        amount_fen=fen,
        kind=PostingKind.CREDIT_IN_SERVICE,
        period=period,
        idempotency_key=f"credit:{account.pk}:{fen}:{period}",
    )


def spend(account, fen, n=0):
    ledger.posting_create(
        from_account=account.current,
        to_account=ledger.external_account(code="BANK"),
        amount_fen=fen,
        kind="PHARMACY",
        idempotency_key=f"spend:{account.pk}:{fen}:{n}",
    )


def pages(person, size):
    """Every page of the person's statement, following 更早 from the newest."""
    parts = personal_account_parts(person_id=person.pk)
    ids, balance_fen = parts.ledger_ids, parts.balance_fen
    found, before = [], None
    while True:
        page = statement_page(
            account_ids=ids, balance_fen=balance_fen, viewer_id=person.pk, before=before, size=size
        )
        found.append([(r["amount"], r["balance"]) for r in page.rows])
        if not page.older:
            return found
        before = page.older


def test_the_balance_after_each_row_adds_up_across_pages(account):
    # +100.00 +50.00 −30.00 +20.00 −10.00 = 130.00
    credit(account, 10_000, "202601")
    credit(account, 5_000, "202602")
    spend(account, 3_000)
    credit(account, 2_000, "202603")
    spend(account, 1_000)
    assert pages(account.person, size=2) == [
        [("−10.00", "130.00"), ("+20.00", "140.00")],
        [("−30.00", "120.00"), ("+50.00", "150.00")],
        [("+100.00", "100.00")],
    ]


def test_a_row_says_what_counterparty_and_what_for(account):
    credit(account, 16_000, "202603")
    spend(account, 1_250)
    parts = personal_account_parts(person_id=account.person.pk)
    ids, balance_fen = parts.ledger_ids, parts.balance_fen
    rows = statement_page(account_ids=ids, balance_fen=balance_fen).rows
    assert [(r["name"], r["counterparty"], r["purpose"], r["direction"]) for r in rows] == [
        ("PHARMACY", "银行", "", "out"),
        ("月度划入（在职）", "西安市统筹基金", "2026年3月", "in"),
    ]


def test_a_carry_over_moves_money_between_the_parts_and_keeps_the_balance(account):
    credit(account, 6_000, "202512")
    ledger.posting_create(
        from_account=account.current,
        to_account=account.carried,
        amount_fen=6_000,
        kind=PostingKind.CARRY_OVER,
        period="202512",
        idempotency_key="carry-over",
    )
    parts = personal_account_parts(person_id=account.person.pk)
    ids, balance_fen = parts.ledger_ids, parts.balance_fen
    carried = statement_page(account_ids=ids, balance_fen=balance_fen).rows[0]
    assert (carried["name"], carried["amount"], carried["balance"], carried["direction"]) == (
        "年度结转",
        "60.00",
        "60.00",
        "move",
    )
    assert carried["counterparty"] == "个人账户（当年）（西安市） → 个人账户（历年）（西安市）"


def test_a_cursor_that_is_not_one_shows_the_newest_page(account):
    credit(account, 100)
    assert cursor_parse("abc") is None and cursor_parse("1-2-3") is None
    parts = personal_account_parts(person_id=account.person.pk)
    ids, balance_fen = parts.ledger_ids, parts.balance_fen
    page = statement_page(account_ids=ids, balance_fen=balance_fen, before="garbage")
    assert page.first and [r["amount"] for r in page.rows] == ["+1.00"]


def test_names_are_masked_to_the_family_name():
    assert mask_name("王小明") == "王**" and mask_name("李") == "李" and mask_name("") == ""


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_account_page_costs_the_same_with_3_or_60_postings(client, account):
    client.force_login(account.person.user)
    client.get("/account/")  # the session's activity is written on the first request only
    for n in range(3):
        credit(account, 100 + n)
    few = queries(client, "/account/")
    for n in range(57):
        spend(account, 1, n)
    many = queries(client, "/account/")
    older = statement_page(
        account_ids={account.current_id, account.carried_id},
        balance_fen=0,
    ).older
    deeper = queries(client, "/account/", before=older)
    assert many == few and deeper == few + 1  # an older page also sums what is newer
    # session, user, person, personal accounts, credits and years, contributions, statement
    assert few == 7
