"""The wallet's to-dos on a person's home page: bindings to confirm, transfers to accept."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.display import yuan_text
from accounts.home import Todo
from accounts.models import InsuredPerson

from . import selectors
from .models import INVERSE_RELATION, Relation


def _binding_detail(person: InsuredPerson, member_id: int, requester: str, member: str, relation):
    if member_id == person.pk:
        # The member sees the requester by the inverse relation (FamilyBinding.relation_seen_by).
        return _("%(requester)s 申请与您绑定亲情账户（%(requester)s是您的%(relation)s）。") % {
            "requester": requester,
            "relation": INVERSE_RELATION[Relation(relation)].label,
        }
    return _("%(requester)s 申请与%(member)s绑定亲情账户，您是%(member)s的监护人。") % {
        "requester": requester,
        "member": member,
    }


def _bindings(person: InsuredPerson, rows: list[tuple]) -> list[Todo]:
    if not rows:
        return []
    family_page = reverse("wallet:family")
    return [
        Todo(
            kind="wallet.binding",
            title=_("确认家庭绑定"),
            detail=_binding_detail(person, *row),
            url=family_page,
            action=_("去确认"),
        )
        for row in rows
    ]


def _transfers(rows: list[tuple]) -> list[Todo]:
    if not rows:
        return []
    transfers_page = reverse("wallet:transfers")
    return [
        Todo(
            kind="wallet.transfer",
            title=_("接收家人转账"),
            detail=_(
                "%(sender)s 向您的医保钱包转入 %(amount)s 元，截止前未接收，钱会退回给%(sender)s。"
            )
            % {"sender": sender, "amount": yuan_text(amount_fen)},
            url=transfers_page,
            action=_("去接收"),
            deadline=deadline,
        )
        for sender, amount_fen, deadline in rows
    ]


def person_todos(person: InsuredPerson) -> list[Todo]:
    """One query, however many bindings and transfers wait."""
    bindings, transfers = selectors.wallet_todo_rows(person=person)
    return _bindings(person, bindings) + _transfers(transfers)
