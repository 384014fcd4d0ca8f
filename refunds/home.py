"""Resident refunds' to-dos on a person's home page: materials staff asked for."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.home import Todo
from accounts.models import InsuredPerson

from . import selectors


def person_todos(person: InsuredPerson) -> list[Todo]:
    """One query, however many applications the person filed."""
    waiting = selectors.resident_refunds_waiting_for_materials(person_id=person.pk)
    return [
        Todo(
            kind="refunds.materials",
            title=_("补充居民退费材料"),
            detail=_("%(year)s年%(region)s居民医保退费：%(note)s")
            % {"year": year, "region": region, "note": note},
            url=reverse("resident-refunds:detail", args=[pk]),
            action=_("去补充"),
        )
        for pk, year, region, note in waiting
    ]
