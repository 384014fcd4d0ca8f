"""Answers enrollment gives the core through accounts.hooks (the core cannot import it)."""

from django.db.models import Count
from django.dispatch import receiver

from accounts import hooks

from .models import Enrollment, EnrollmentStatus, Scheme

# Records that tie the person to the region: still in force or suspended (not stopped).
_ENROLLED = (EnrollmentStatus.ACTIVE, EnrollmentStatus.SUSPENDED)


@receiver(hooks.employer_region_change_requested, dispatch_uid="enrollment.employer_moves")
def employees_enrolled_in_old_region(sender, *, moves: dict[int, str], **kwargs) -> dict:
    rows = (
        Enrollment.objects.filter(
            employer_id__in=list(moves), scheme=Scheme.EMPLOYEE, status__in=_ENROLLED
        )
        .values("employer_id", "region_id")
        .annotate(persons=Count("person_id", distinct=True))
        .order_by()
    )
    return {
        row["employer_id"]: row["persons"]
        for row in rows
        if moves[row["employer_id"]] == row["region_id"]
    }


@receiver(hooks.person_regions_requested, dispatch_uid="enrollment.person_regions")
def regions_of_person(sender, *, person, **kwargs) -> set[str]:
    """Every region of the person's records, as the person feed's period gate sees a row."""
    return set(
        Enrollment.objects.filter(person=person).values_list("region_id", flat=True).distinct()
    )
