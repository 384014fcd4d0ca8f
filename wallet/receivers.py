"""Reactions to other apps' changes, each handing over to a wallet service."""

from . import selectors
from .services.family import family_bindings_end_stale

# Persons per task: a bounded IN list for the bindings' query.
STALE_CHECK_CHUNK = 5000


def enrollments_changed(sender, person_ids, **kwargs) -> None:
    """Enrollments changed (already committed): those persons' bindings may end. One person
    (an enrollment saved on its own) is checked at once; more (a feed, a resolution run) by
    the worker, in chunks."""
    if len(person_ids) == 1:
        family_bindings_end_stale(person_ids=person_ids)
        return
    from .tasks import end_stale_family_bindings

    for start in range(0, len(person_ids), STALE_CHECK_CHUNK):
        end_stale_family_bindings.delay(person_ids=person_ids[start : start + STALE_CHECK_CHUNK])


def posting_details(sender, references, viewer_id, **kwargs) -> dict[str, dict]:
    """Statements ask who is behind a wallet posting (accounts cannot read wallets)."""
    return selectors.statement_details(references=references, viewer_id=viewer_id)
