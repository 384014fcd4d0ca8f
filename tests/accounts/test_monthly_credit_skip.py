"""每月划入 on PostgreSQL: a run skips its chunks only when a finished run saw every input as it is.

Outside a test transaction, so that each statement commits as in the worker.
"""

import datetime as dt
import io
from decimal import Decimal

import psycopg
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from accounts.models import (
    InsuredPerson,
    MonthlyCreditRun,
    PersonalAccount,
    Posting,
    Region,
    RegionPolicyVersion,
)
from accounts.services import credits, personal_accounts, policies
from tests.factories import InsuredPersonFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NOW = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)


def balance(person, region="610100") -> Decimal:
    return (
        PersonalAccount.objects.select_related("current", "carried")
        .get(person=person, region_id=region)
        .balance
    )


def skipped(run: MonthlyCreditRun) -> bool:
    return run.status == MonthlyCreditRun.Status.SUCCEEDED and run.chunks_total == 0


def change_log_rows(region: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM accounts_creditinputchange WHERE region_id = %s", [region]
        )
        return cursor.fetchone()[0]


def refuse_chunks(monkeypatch) -> None:
    def refuse(**kwargs):
        raise AssertionError("a chunk ran")

    monkeypatch.setattr(credits, "_credit_chunk", refuse)


@time_machine.travel(NOW)
def test_a_second_run_with_nothing_changed_skips_every_chunk(contribute, assess, monkeypatch):
    # given: a finished run, then a change in another region only
    monkeypatch.setattr(credits, "CHUNK_SIZE", 2)
    people = InsuredPersonFactory.create_batch(5)
    for person in people:
        contribute(person, "202604")
    assess("202604")
    first = credits.monthly_credit_run(region_code="610100")
    contribute(InsuredPersonFactory(), "202604", region="110100")
    refuse_chunks(monkeypatch)
    # when
    second = credits.monthly_credit_run(region_code="610100")
    only_april = credits.monthly_credit_run(region_code="610100", period="202604")
    # then
    assert (first.chunks_total, first.credited_count) == (3, 5)
    assert skipped(second) and skipped(only_april)
    assert second.credited_count == only_april.credited_count == 0
    assert all(balance(p) == Decimal("160.00") for p in people)


@time_machine.travel(NOW)
def test_a_late_contribution_after_a_finished_run_is_credited_once(contribute, assess):
    """A new contribution for a period already credited, and one paid only later."""
    # given
    on_time, new, unpaid = InsuredPersonFactory.create_batch(3)
    contribute(on_time, "202604")
    contribute(unpaid, "202604", paid=False)
    assess("202604")
    credits.monthly_credit_run(region_code="610100")
    # when: the tax feed brings a late row and a late payment (到账)
    contribute(new, "202604")
    contribute(unpaid, "202604", paid=True)
    late = credits.monthly_credit_run(region_code="610100")
    again = credits.monthly_credit_run(region_code="610100")
    # then
    assert late.credited_count == 2 and not skipped(late)
    assert skipped(again) and again.credited_count == 0
    assert [balance(p) for p in (on_time, new, unpaid)] == [Decimal("160.00")] * 3
    call_command("verify_ledger", stdout=io.StringIO())


@time_machine.travel(NOW)
def test_a_period_assessed_after_a_finished_run_is_backfilled(contribute, assess):
    person = InsuredPersonFactory()
    contribute(person, "202603")
    contribute(person, "202604")
    assess("202603")
    credits.monthly_credit_run(region_code="610100")
    assess("202604")
    run = credits.monthly_credit_run(region_code="610100")
    assert (run.periods, run.credited_count) == (["202603", "202604"], 1)
    assert balance(person) == Decimal("320.00")


@time_machine.travel(NOW)
def test_a_person_flagged_retired_after_a_finished_run_is_credited(assess, retiree):
    # given: an employee's account with nothing to credit, run once
    person = retiree(born=dt.date(1962, 8, 8))
    type(person).objects.filter(pk=person.pk).update(retired=False)
    assess("202605")
    assert credits.monthly_credit_run(region_code="610100").credited_count == 0
    # when: 转退休 arrives
    type(person).objects.filter(pk=person.pk).update(retired=True)
    run = credits.monthly_credit_run(region_code="610100")
    # then: 2% of Xi'an's average pension
    assert run.retiree_count == 1
    assert balance(person) == Decimal("66.00")


@time_machine.travel(NOW)
def test_an_account_unfrozen_after_a_finished_run_is_credited(assess, retiree):
    """A frozen retiree gets no retiree credit; the unfreeze is a logged input change."""
    person = retiree(born=dt.date(1962, 8, 8))
    assess("202605")
    account = PersonalAccount.objects.get(person=person)
    personal_accounts.personal_account_freeze(account=account, reason="转居民医保")
    credits.monthly_credit_run(region_code="610100")
    personal_accounts.personal_account_unfreeze(account=account)
    run = credits.monthly_credit_run(region_code="610100")
    assert run.credited_count == 1
    assert balance(person) == Decimal("66.00")


@time_machine.travel(NOW)
def test_a_retiree_rule_changed_after_a_finished_run_applies(assess, retiree):
    # given: Taiyuan's fixed amounts at zero credit nobody
    RegionPolicyVersion.objects.filter(region="140100").update(
        retiree_amount_below=Decimal("0"), retiree_amount_from=Decimal("0")
    )
    person = retiree(born=dt.date(1950, 3, 3), region="140100")
    assess("202605", region="140100")
    assert credits.monthly_credit_run(region_code="140100").credited_count == 0
    # when
    RegionPolicyVersion.objects.filter(region="140100").update(
        retiree_amount_below=Decimal("85"), retiree_amount_from=Decimal("85")
    )
    run = credits.monthly_credit_run(region_code="140100")
    # then
    assert run.credited_count == 1
    assert balance(person, "140100") == Decimal("85.00")


@time_machine.travel(NOW)
def test_a_change_committed_while_a_run_is_going_is_credited_by_the_next(
    contribute, assess, monkeypatch
):
    """The run's snapshot is taken before it reads anything: a payment that lands after its
    chunk was done is not in that snapshot, so the next run takes the full path."""
    # given: two chunks; the first person's payment arrives while the second chunk runs
    monkeypatch.setattr(credits, "CHUNK_SIZE", 1)
    early, other = InsuredPersonFactory.create_batch(2)
    contribute(early, "202604", paid=False)
    contribute(other, "202604")
    assess("202604")
    real_chunk = credits._credit_chunk

    def pay_during_the_last_chunk(**kwargs):
        if kwargs["chunk"][0] == PersonalAccount.objects.get(person=other).pk:
            contribute(early, "202604", paid=True)
        return real_chunk(**kwargs)

    monkeypatch.setattr(credits, "_credit_chunk", pay_during_the_last_chunk)
    first = credits.monthly_credit_run(region_code="610100")
    monkeypatch.setattr(credits, "_credit_chunk", real_chunk)
    # when
    second = credits.monthly_credit_run(region_code="610100")
    # then
    assert (first.credited_count, second.credited_count) == (1, 1)
    assert balance(early) == balance(other) == Decimal("160.00")


@time_machine.travel(NOW)
def test_a_failed_run_leaves_nothing_to_skip_on(contribute, assess, monkeypatch):
    # given: a run that dies after its first chunk
    monkeypatch.setattr(credits, "CHUNK_SIZE", 1)
    people = InsuredPersonFactory.create_batch(2)
    for person in people:
        contribute(person, "202604")
    assess("202604")
    real_chunk = credits._credit_chunk
    calls = {"n": 0}

    def die_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real_chunk(**kwargs)

    monkeypatch.setattr(credits, "_credit_chunk", die_on_second)
    with pytest.raises(RuntimeError):
        credits.monthly_credit_run(region_code="610100")
    monkeypatch.setattr(credits, "_credit_chunk", real_chunk)
    # when
    rerun = credits.monthly_credit_run(region_code="610100")
    # then
    assert rerun.credited_count == 1
    assert Posting.objects.filter(kind=credits.IN_SERVICE).count() == 2


@pytest.fixture
def other_database_busy():
    """A write transaction held open in another database of the cluster, as another
    application (or a test run next door) does: it holds back the cluster's oldest xid."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
    ) as other:
        other.execute("SELECT pg_current_xact_id()")  # an xid of its own, then left open
        yield
        other.rollback()


@time_machine.travel(NOW)
def test_a_finished_run_prunes_the_change_log_it_has_seen(
    contribute, assess, monkeypatch, other_database_busy
):
    """The log keeps only what a later skip test could still need, whatever other databases
    of the same server have open."""
    # given
    people = InsuredPersonFactory.create_batch(3)
    for person in people:
        contribute(person, "202604")
    assess("202604")
    assert change_log_rows("610100") > 0
    # when
    credits.monthly_credit_run(region_code="610100")
    # then: what it saw is gone, and the next run still skips
    assert change_log_rows("610100") == 0
    refuse_chunks(monkeypatch)
    assert skipped(credits.monthly_credit_run(region_code="610100"))
    # and a change after it is kept, so the next run does the work
    contribute(InsuredPersonFactory(), "202604")
    assert change_log_rows("610100") > 0


@time_machine.travel(NOW)
def test_a_policy_version_added_after_a_finished_run_applies(assess, retiree):
    """A new dated version is a credit input: the next run reads it instead of skipping."""
    # given: Taiyuan's fixed amounts at zero credit nobody
    RegionPolicyVersion.objects.filter(region="140100").update(
        retiree_amount_below=Decimal("0"), retiree_amount_from=Decimal("0")
    )
    person = retiree(born=dt.date(1950, 3, 3), region="140100")
    assess("202605", region="140100")
    assert credits.monthly_credit_run(region_code="140100").credited_count == 0
    # when: a version from May on sets 85
    policies.policy_version_add(
        region=Region.objects.get(pk="140100"),
        valid_from_period="202605",
        values={"retiree_amount_below": Decimal("85"), "retiree_amount_from": Decimal("85")},
        actor=None,
    )
    run = credits.monthly_credit_run(region_code="140100")
    # then
    assert run.credited_count == 1
    assert balance(person, "140100") == Decimal("85.00")


@time_machine.travel(NOW)
def test_a_pension_reported_after_a_finished_run_is_credited(assess, retiree):
    """Pension and retirement date are credit inputs: changing them is logged, no skip."""
    # given: a Beijing retiree with no known pension, and a finished run that credited nobody
    person = retiree(born=dt.date(1958, 1, 1), region="110100")
    InsuredPerson.objects.filter(pk=person.pk).update(retired_at=dt.date(2026, 4, 1))
    assess("202604", "202605", region="110100")
    assert credits.monthly_credit_run(region_code="110100").credited_count == 0
    # when: the pension arrives, then the retirement date is corrected to March
    InsuredPerson.objects.filter(pk=person.pk).update(pension=Decimal("5000.00"))
    after_pension = credits.monthly_credit_run(region_code="110100")
    InsuredPerson.objects.filter(pk=person.pk).update(retired_at=dt.date(2026, 3, 1))
    after_date = credits.monthly_credit_run(region_code="110100")
    # then: 3.5% of 5000 for May, then for April
    assert (after_pension.credited_count, after_date.credited_count) == (1, 1)
    assert balance(person, "110100") == Decimal("350.00")
