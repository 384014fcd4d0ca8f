"""The set-based posting path: many postings at once from rows or a query, each key once,
balances in step, a refusal writes nothing; every posting of the project goes through it."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.errors import BusinessRuleViolation
from accounts.models import LedgerAccount, Posting
from accounts.services import ledger
from accounts.services.ledger import InsufficientBalance, Move
from tests.factories import InsuredPersonFactory, region

pytestmark = pytest.mark.django_db

Kind = LedgerAccount.Kind
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fund():
    return ledger.region_account(region=region("610100"))


@pytest.fixture
def persons():
    return [
        ledger.person_account(person=InsuredPersonFactory(), kind=Kind.PERSON_CURRENT)
        for _ in range(3)
    ]


def balances(*accounts) -> list[int]:
    return [LedgerAccount.objects.get(pk=a.pk).balance_fen for a in accounts]


def verify_ledger() -> None:
    call_command("verify_ledger", stdout=io.StringIO())  # raises on any difference


def test_rows_post_at_once_and_a_repeated_key_is_skipped(fund, persons):
    # given
    moves = [
        Move(fund.pk, person.pk, 100 * (n + 1), "REFUND", f"refund:line:{n}")
        for n, person in enumerate(persons)
    ]
    # when
    first = ledger.postings_post_rows(moves=moves)
    again = ledger.postings_post_rows(moves=[*moves, Move(fund.pk, persons[0].pk, 7, "X", "new")])
    # then
    assert (first.count, first.amount_fen, first.by_kind) == (3, 600, {"REFUND": (3, 600)})
    assert (again.count, again.amount_fen) == (1, 7)
    assert balances(fund, *persons) == [-607, 107, 200, 300]
    assert Posting.objects.count() == 4
    verify_ledger()


def test_a_query_posts_every_row_it_selects_with_the_rows_when_asked(fund, persons):
    # when: one posting per person account, amounts computed in SQL
    posted = ledger.postings_post_query(
        query="""SELECT %s AS from_account_id, a.id AS to_account_id, a.id * 0 + 250 AS amount_fen,
                        'CREDIT' AS kind, '202604' AS period, 'run:1' AS reference,
                        'credit:' || a.id AS idempotency_key
                 FROM accounts_ledgeraccount a WHERE a.kind = %s""",
        params=[fund.pk, Kind.PERSON_CURRENT],
        rows=True,
    )
    # then
    assert sorted(row[2] for row in posted.rows) == sorted(p.pk for p in persons)
    assert {row[5] for row in posted.rows} == {f"credit:{p.pk}" for p in persons}
    assert balances(fund, *persons) == [-750, 250, 250, 250]
    assert set(Posting.objects.values_list("period", "reference")) == {("202604", "run:1")}
    verify_ledger()


def test_an_overdraft_refuses_the_whole_batch_and_writes_nothing(fund, persons):
    """The database's CHECK decides; the caller's transaction stays usable."""
    # given
    ledger.postings_post_rows(moves=[Move(fund.pk, persons[0].pk, 500, "SEED", "seed")])
    # when
    with transaction.atomic():
        with pytest.raises(InsufficientBalance):
            ledger.postings_post_rows(
                moves=[
                    Move(fund.pk, persons[1].pk, 100, "PAY", "ok"),
                    Move(persons[0].pk, persons[2].pk, 501, "PAY", "too-much"),
                ]
            )
        still_usable = Posting.objects.count()
    # then
    assert still_usable == 1
    assert balances(fund, *persons) == [-500, 500, 0, 0]


def test_an_amount_not_above_zero_from_a_query_is_refused_with_nothing_written(fund, persons):
    with pytest.raises(BusinessRuleViolation) as refused:
        ledger.postings_post_query(
            query="""SELECT %s AS from_account_id, a.id AS to_account_id,
                            CASE WHEN a.id = %s THEN 0 ELSE 5 END AS amount_fen,
                            'X' AS kind, '' AS period, '' AS reference,
                            'k:' || a.id AS idempotency_key
                     FROM accounts_ledgeraccount a WHERE a.kind = %s""",
            params=[fund.pk, persons[1].pk, Kind.PERSON_CURRENT],
        )
    assert refused.value.status_code == 400
    assert not Posting.objects.exists()
    assert balances(fund, *persons) == [0, 0, 0, 0]


def test_rows_are_checked_before_anything_is_written(fund, persons):
    with pytest.raises(BusinessRuleViolation):
        ledger.postings_post_rows(
            moves=[Move(fund.pk, persons[0].pk, 5, "X", "a"), Move(fund.pk, fund.pk, 5, "X", "b")]
        )
    assert not Posting.objects.exists()


def test_the_lock_helper_returns_the_locked_balances_in_primary_key_order(fund, persons):
    ledger.postings_post_rows(moves=[Move(fund.pk, persons[2].pk, 42, "SEED", "seed")])
    with transaction.atomic():
        locked = ledger.ledger_accounts_lock([persons[2].pk, fund.pk, persons[2].pk])
    assert list(locked) == sorted([fund.pk, persons[2].pk])
    assert (locked[persons[2].pk].balance_fen, locked[fund.pk].kind) == (42, Kind.REGION_FUND)


def test_postings_are_inserted_and_ledger_accounts_locked_in_one_module_only():
    """SPEC §8: money moves only through the ledger's posting path in accounts/."""
    writers, lockers = set(), set()
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "bench"} or "migrations" in relative.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"INSERT\s+INTO\s+accounts_posting", text, re.IGNORECASE):
            writers.add(str(relative))
        if re.search(r"FROM\s+accounts_ledgeraccount[^;\"]*FOR\s+UPDATE", text, re.IGNORECASE):
            lockers.add(str(relative))
    assert writers == {"accounts/services/ledger_bulk.py"}
    assert lockers <= {"accounts/services/ledger_bulk.py"}
