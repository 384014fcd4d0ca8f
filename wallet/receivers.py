"""Reactions to other apps' changes, each handing over to a wallet service."""

from django.db import transaction

from .services.family import family_bindings_end_stale


def enrollment_saved(sender, instance, **kwargs) -> None:
    """An enrollment stopped or moved: that person's bindings may end (after the commit)."""
    person_id = instance.person_id
    transaction.on_commit(lambda: family_bindings_end_stale(person_ids=[person_id]))
