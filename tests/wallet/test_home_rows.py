"""What the home page reads of the wallet, as plain rows: the same bindings to confirm as the
family page (the rule is one SQL condition), the transfers to accept, the balance."""

import datetime as dt

import pytest

from tests.wallet.conftest import shanghai
from tests.wallet.factories import (
    ask,
    bind,
    child,
    evidence,
    family_pair,
    fund,
    guardian_of,
    insured_person,
    last_code,
    open_wallet,
)
from wallet.models import Relation
from wallet.selectors import family_bindings_to_confirm, wallet_balance_fen, wallet_todo_rows
from wallet.services import transfers

pytestmark = pytest.mark.django_db


def binding_ids(person) -> set[int]:
    return {binding.pk for binding in family_bindings_to_confirm(person=person)}


def test_an_adult_member_confirms_what_was_asked_of_them_not_what_they_asked():
    # given
    member, asker, other = insured_person(), insured_person(name="王德福"), insured_person()
    ask(asker, member, Relation.CHILD)
    ask(member, other, Relation.SPOUSE)
    # when
    bindings, transfers_waiting = wallet_todo_rows(person=member)
    # then: the requester sees the member as a child, so the member sees a parent
    assert bindings == [(member.pk, "王德福", member.name, Relation.CHILD.value)]
    assert transfers_waiting == []
    assert len(binding_ids(member)) == 1


def test_a_guardian_confirms_for_the_minor_and_the_minor_confirms_nothing():
    # given: the guardian's binding is confirmed; an uncle then asks to bind the minor
    minor = child()
    guardian = guardian_of(minor)
    uncle = insured_person(name="王叔叔")
    ask(uncle, minor, Relation.SIBLING)
    # when
    guardian_rows, _transfers = wallet_todo_rows(person=guardian)
    minor_rows, _transfers = wallet_todo_rows(person=minor)
    # then
    assert guardian_rows == [(minor.pk, "王叔叔", minor.name, Relation.SIBLING.value)]
    assert minor_rows == [] and binding_ids(minor) == set()
    assert len(binding_ids(guardian)) == 1


def test_a_binding_waiting_for_staff_is_nobodys_to_confirm():
    minor, parent = child(), insured_person()
    ask(parent, minor, evidence=evidence())

    assert wallet_todo_rows(person=minor) == ([], [])
    assert wallet_todo_rows(person=parent) == ([], [])


def send(sender, recipient, amount: str, on_commit):
    with on_commit():
        transfer = transfers.wallet_transfer_create(
            sender=sender,
            to_national_id=recipient.national_id,
            amount=amount,
            idempotency_key=f"rows-{sender.pk}",
        )
    transfers.wallet_transfer_confirm(
        transfer_id=transfer.pk, sender=sender, code=last_code(sender)
    )


def test_transfers_to_accept_come_newest_first_with_their_deadline(on_commit, clock):
    # given: two family members each send the recipient money, an hour apart
    first, recipient, _binding = family_pair()
    second = insured_person(name="李秀英")
    fund(second, 1_000_00)
    open_wallet(second)
    bind(second, recipient)
    send(first, recipient, "100.00", on_commit)
    clock.shift(dt.timedelta(hours=1))
    send(second, recipient, "200.00", on_commit)
    # when
    bindings, waiting = wallet_todo_rows(person=recipient)
    # then: each to be accepted by 06:00 the next day
    deadline = shanghai(2025, 3, 11, 6, 0)
    assert bindings == []
    assert waiting == [("李秀英", 200_00, deadline), (first.name, 100_00, deadline)]
    assert wallet_todo_rows(person=first) == ([], [])


def test_the_balance_is_the_wallets_and_none_without_one():
    person = insured_person()
    fund(person, 500_00)
    assert wallet_balance_fen(person_id=person.pk) is None
    open_wallet(person)
    assert wallet_balance_fen(person_id=person.pk) == 0
