"""Reads for enrollment pages and the API."""

from django.db.models import Prefetch, QuerySet

from accounts.models import InsuredPerson

from .models import Enrollment


def enrollments_for_person(*, person: InsuredPerson) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(person=person)
        .select_related("region", "employer")
        .order_by("status", "region_id", "scheme")
    )


def person_with_enrollments(*, person_id: int) -> InsuredPerson:
    return InsuredPerson.objects.prefetch_related(
        Prefetch(
            "enrollments",
            queryset=Enrollment.objects.select_related("region", "employer").order_by(
                "status", "region_id", "scheme"
            ),
        )
    ).get(pk=person_id)
