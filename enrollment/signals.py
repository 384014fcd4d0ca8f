"""What enrollment tells other apps, so that it need not know them."""

from django.db import transaction
from django.dispatch import Signal

# Sent after the commit of a set-based change to enrollments (a feed, a resolution run) with
# `person_ids`; an enrollment saved on its own sends post_save instead.
enrollments_changed = Signal()


def enrollments_changed_on_commit(*, person_ids) -> None:
    ids = sorted(set(person_ids))
    if ids:
        transaction.on_commit(lambda: enrollments_changed.send(sender=None, person_ids=ids))
