"""The wallet's to-dos on a person's home page: bindings to confirm, transfers to accept."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.home import Todo
from accounts.models import InsuredPerson, fen_to_yuan

from . import selectors


def person_todos(person: InsuredPerson) -> list[Todo]:
    """Two queries, however many bindings and transfers wait."""
    family_page = reverse("wallet:family")
    todos = [
        Todo(
            kind="wallet.binding",
            title=_("确认家庭绑定"),
            detail=(
                _("%(requester)s 申请与您绑定亲情账户（%(requester)s是您的%(relation)s）。")
                % {
                    "requester": binding.requester.name,
                    "relation": binding.relation_seen_by(person.pk),
                }
                if binding.member_id == person.pk
                else _("%(requester)s 申请与%(member)s绑定亲情账户，您是%(member)s的监护人。")
                % {"requester": binding.requester.name, "member": binding.member.name}
            ),
            url=family_page,
            action=_("去确认"),
        )
        for binding in selectors.family_bindings_to_confirm(person=person)
    ]
    transfers_page = reverse("wallet:transfers")
    todos += [
        Todo(
            kind="wallet.transfer",
            title=_("接收家人转账"),
            detail=_(
                "%(sender)s 向您的医保钱包转入 %(amount)s 元，截止前未接收，钱会退回给%(sender)s。"
            )
            % {"sender": transfer.sender.name, "amount": f"{fen_to_yuan(transfer.amount_fen):,}"},
            url=transfers_page,
            action=_("去接收"),
            deadline=transfer.accept_deadline,
        )
        for transfer in selectors.incoming_transfers(person=person)
    ]
    return todos
