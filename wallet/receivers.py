"""Reactions to other apps' changes, each handing over to a wallet service."""

from django.db import transaction

from .services.family import family_bindings_end_stale


def enrollment_saved(sender, instance, **kwargs) -> None:
    """An enrollment stopped or moved: that person's bindings may end (after the commit)."""
    person_id = instance.person_id
    transaction.on_commit(lambda: family_bindings_end_stale(person_ids=[person_id]))


# Persons per task: a bounded IN list for the bindings' query.
STALE_CHECK_CHUNK = 5000


def enrollments_changed(sender, person_ids, **kwargs) -> None:
    """A feed or resolution run changed many enrollments (already committed): the worker
    checks those persons' bindings."""
    from .tasks import end_stale_family_bindings

    for start in range(0, len(person_ids), STALE_CHECK_CHUNK):
        end_stale_family_bindings.delay(person_ids=person_ids[start : start + STALE_CHECK_CHUNK])
