"""A completed 转移接续 in the person's statement: the money leaves the old account and lands
in the new one, each row saying which application and which way; the balance stays."""

import pytest

from accounts.models import Region
from accounts.selectors import personal_account_parts
from accounts.statements import statement_page
from tests.factories import StaffUserFactory
from transfers.services import transfer_apply, transfer_in_accept, transfer_out_approve

from .factories import TAIYUAN, XIAN, id_images, ready_person

pytestmark = pytest.mark.django_db


def staff(code):
    return StaffUserFactory(regions=[Region.objects.get(pk=code)])


def test_the_statement_names_the_application_and_keeps_the_balance():
    person, _account = ready_person(current_fen=123_45, carried_fen=5_000_00)
    application = transfer_apply(
        person=person,
        from_region=Region.objects.get(pk=XIAN),
        to_region=Region.objects.get(pk=TAIYUAN),
        scheme="EMPLOYEE",
        **id_images(),
    )
    transfer_out_approve(application_id=application.pk, by=staff(XIAN))
    transfer_in_accept(application_id=application.pk, by=staff(TAIYUAN))
    parts = personal_account_parts(person_id=person.pk)
    ids, balance_fen = parts.ledger_ids, parts.balance_fen
    rows = statement_page(account_ids=ids, balance_fen=balance_fen, viewer_id=person.pk).rows
    moved = [r for r in rows if r["name"] == "转移接续"]
    purpose = f"转移接续申请 {application.pk}：西安市 → 太原市"
    assert sorted((r["amount"], r["counterparty"], r["purpose"]) for r in moved) == [
        ("+123.45", "转移接续（西安市）", purpose),
        ("+5,000.00", "转移接续（西安市）", purpose),
        ("−123.45", "转移接续（西安市）", purpose),
        ("−5,000.00", "转移接续（西安市）", purpose),
    ]
    # out and back in: the newest row's balance is the 5,123.45 the person still has
    assert balance_fen == 5_123_45 and rows[0]["balance"] == "5,123.45"
