"""The family page's read (wallet.selectors.family_rows) and what the page shows of each row."""

import datetime as dt

import pytest
from django.test import Client

from enrollment.models import Scheme
from tests.wallet.factories import WALLET_REGION, ask, bind, evidence, insured_person, open_wallet
from wallet import selectors
from wallet.models import Relation

pytestmark = pytest.mark.django_db


def test_each_side_sees_the_other_its_relation_and_wallet_newest_first(clock):
    # given: a confirmed spouse with a wallet, then a parent who asked and waits
    me, wife, father = insured_person(), insured_person(), insured_person()
    open_wallet(wife)
    spouse = bind(me, wife, Relation.SPOUSE)
    clock.shift(dt.timedelta(minutes=1))
    pending = ask(father, me, Relation.CHILD)
    # when
    mine = selectors.family_rows(person=me)
    # then
    assert [row["id"] for row in mine] == [pending.pk, spouse.pk]
    assert mine[0] == {
        "id": pending.pk,
        "outgoing": False,
        "relation": Relation.CHILD,
        "status": "PENDING",
        "guardian": False,
        "end_reason": "",
        "name": father.name,
        "national_id": father.national_id,
        "wallet_status": None,
        "wallet_region": WALLET_REGION,
        "review_status": None,
    }
    assert (mine[1]["outgoing"], mine[1]["name"], mine[1]["wallet_status"]) == (
        True,
        wife.name,
        "OPEN",
    )
    assert [row["name"] for row in selectors.family_rows(person=father)] == [me.name]


def test_a_guardian_binding_waiting_for_staff_carries_its_review():
    parent = insured_person()
    minor = insured_person(scheme=Scheme.RESIDENT, birth=dt.date(2015, 6, 1), with_user=False)
    ask(
        parent,
        minor,
        Relation.CHILD,
        evidence=evidence(),
    )
    (row,) = selectors.family_rows(person=parent)
    assert (row["outgoing"], row["review_status"]) == (True, "WAITING")


def test_the_page_shows_each_side_its_wording_actions_and_the_open_wallet_form(clock):
    # given: a confirmed sibling without a wallet, a parent's request waiting for me
    me, brother, father = insured_person(), insured_person(), insured_person()
    sibling = bind(me, brother, Relation.SIBLING)
    clock.shift(dt.timedelta(minutes=1))
    pending = ask(father, me, Relation.CHILD)
    client = Client()
    client.force_login(me.user)
    # when
    html = client.get("/wallet/family/").content.decode()
    # then: the request to confirm, from the parent
    masked = father.national_id[:6] + "********" + father.national_id[-4:]
    assert f'{father.name} <span class="mono muted">{masked}</span>' in html
    assert f"<td>{me.name}（子女）</td>" in html
    assert f'action="/wallet/family/{pending.pk}/confirm/"' in html
    assert "<td>父母</td>" in html and "等待您确认" in html
    # the sibling: bound, no wallet, opened here in the region where they were insured
    assert f'<select id="usage-{sibling.pk}" name="usage_region" required>' in html
    assert f'<option value="{WALLET_REGION}" selected>太原市</option>' in html
    assert f'action="/wallet/family/{sibling.pk}/open-wallet/"' in html
    assert '<span class="badge badge--active">已绑定</span>' in html
