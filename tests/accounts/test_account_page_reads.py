"""The account page's reads: the personal accounts with their balances in one query, a year's
credits with every year that has any, and the contributions as plain strings."""

import datetime as dt

import pytest
import time_machine

from accounts.models import PostingKind
from accounts.selectors import contribution_rows, credit_history, personal_account_parts
from accounts.services import ledger
from accounts.services.personal_accounts import (
    personal_account_close,
    personal_account_freeze,
)
from tests.factories import InsuredPersonFactory, employee_account, region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC), tick=False):
        yield


def credit(account, fen, period, n=0, kind=PostingKind.CREDIT_IN_SERVICE):
    ledger.posting_create(
        from_account=ledger.region_account(region=account.region),
        to_account=account.current,
        amount_fen=fen,
        kind=kind,
        period=period,
        idempotency_key=f"credit:{account.pk}:{period}:{n}",
    )


def test_the_summary_counts_the_open_accounts_and_the_statement_every_part():
    # given: 西安 active (100.00 + 30.00 merged in), 太原 frozen (50.00), an old 西安 account
    # emptied and closed
    person = InsuredPersonFactory()
    active = employee_account(person, "610100")
    frozen = employee_account(person, "140100")
    closed = employee_account(person, "610100", record_id="old")
    credit(active, 10_000, "202601")
    credit(frozen, 5_000, "202601")
    credit(closed, 3_000, "202512")
    ledger.posting_create(
        from_account=closed.current,
        to_account=active.current,
        amount_fen=3_000,
        kind=PostingKind.ACCOUNT_MERGE,
        idempotency_key="merge",
    )
    personal_account_freeze(account=frozen, reason="转入城乡居民医保")
    personal_account_close(account=closed, reason="合并")
    # when
    parts = personal_account_parts(person_id=person.pk)
    # then
    summary = parts.summary
    assert (summary.status, summary.status_reason) == ("ACTIVE", "")
    assert (summary.current_year_fen, summary.carried_over_fen) == (18_000, 0)
    assert (summary.available_fen, summary.balance_fen) == (13_000, 18_000)
    accounts = (active, frozen, closed)
    assert parts.ledger_ids == {a.current_id for a in accounts} | {a.carried_id for a in accounts}
    assert parts.current_ids == [a.current_id for a in accounts]
    assert parts.balance_fen == 18_000


def test_a_frozen_account_alone_gives_its_reason_and_nothing_available():
    person = InsuredPersonFactory()
    account = employee_account(person)
    credit(account, 2_000, "202601")
    personal_account_freeze(account=account, reason="停保")
    summary = personal_account_parts(person_id=person.pk).summary
    assert (summary.status, summary.status_reason, summary.available_fen) == ("FROZEN", "停保", 0)


def test_a_person_without_a_personal_account_has_no_summary_and_no_parts():
    parts = personal_account_parts(person_id=InsuredPersonFactory().pk)
    assert (parts.summary, parts.ledger_ids, parts.current_ids, parts.balance_fen) == (
        None,
        set(),
        [],
        0,
    )


def test_a_years_credits_come_by_period_and_as_posted_with_every_credited_year():
    # given: credits in 2024 and 2026 (two for March), a retiree credit and a payment
    account = employee_account(InsuredPersonFactory())
    credit(account, 300, "202603", n=1)
    credit(account, 100, "202601")
    credit(account, 200, "202603", n=2)
    credit(account, 400, "202402")
    credit(account, 500, "202604", kind=PostingKind.CREDIT_RETIREE)
    ledger.posting_create(
        from_account=account.current,
        to_account=ledger.external_account(code="BANK"),
        amount_fen=50,
        kind="PHARMACY",
        period="202505",
        idempotency_key="spend",
    )
    # when
    credits, years = credit_history(current_ids=[account.current_id], year=2026)
    # then
    assert [(c["period"], c["kind"], c["amount_fen"]) for c in credits] == [
        ("202601", "CREDIT_IN_SERVICE", 100),
        ("202603", "CREDIT_IN_SERVICE", 300),
        ("202603", "CREDIT_IN_SERVICE", 200),
        ("202604", "CREDIT_RETIREE", 500),
    ]
    assert credits[0]["created_at"] == dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC)
    assert years == [2026, 2024]
    assert credit_history(current_ids=[], year=2026) == ([], [])


def test_contributions_are_plain_strings_newest_period_first(contribute):
    person = InsuredPersonFactory()
    contribute(person, "202601", "8000.00")
    contribute(person, "202602", "12345.67", paid=False)
    contribute(person, "202512")
    rows = contribution_rows(person_id=person.pk, year=2026)
    assert [(r["period"], r["region"], r["base"], r["paid"]) for r in rows] == [
        ("2026年2月", region("610100").name, "12,345.67", "未到账"),
        ("2026年1月", region("610100").name, "8,000.00", "2026-05-20"),
    ]
