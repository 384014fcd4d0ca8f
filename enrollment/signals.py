"""What enrollment tells other apps, so that it need not know them.

`enrollments_changed` is the one signal: sent after the commit of any change to enrollments
with `person_ids` (a sorted list of the persons whose enrollments changed), whether one
enrollment was saved on its own (staff, a restore, a case) or many were changed set-based (a
feed, a resolution run). Nothing is sent when the change rolls back. Receivers read what
changed through `enrollment.selectors`.
"""

from django.db import transaction
from django.dispatch import Signal

enrollments_changed = Signal()


def enrollments_changed_on_commit(*, person_ids) -> None:
    ids = sorted(set(person_ids))
    if ids:
        transaction.on_commit(lambda: enrollments_changed.send(sender=None, person_ids=ids))


def enrollment_saved(sender, instance, **kwargs) -> None:
    """An enrollment saved on its own is a change like any other (connected in apps.py)."""
    enrollments_changed_on_commit(person_ids=[instance.person_id])
