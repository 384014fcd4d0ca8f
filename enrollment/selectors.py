"""Reads for enrollment pages, the API and the admin."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery

from accounts.models import Employer, InsuredPerson, PersonalAccount

from .explanations import with_explanations
from .models import CaseEnrollment, DuplicateCase, EmergencyRestore, Enrollment


def _with_explanations(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """What a person needs to read an enrollment's status, in the same single query:
    the rule of the case that suspended or merged it, the last emergency restore, and whether
    the personal account of the record is frozen (封存)."""
    last_case = (
        CaseEnrollment.objects.filter(enrollment=OuterRef("pk"))
        .exclude(case__status=DuplicateCase.Status.REVERTED)
        .order_by("-case_id")
    )
    last_restore = EmergencyRestore.objects.filter(enrollment=OuterRef("pk")).order_by(
        "-restored_at", "-pk"
    )
    frozen = PersonalAccount.objects.filter(
        person=OuterRef("person"),
        region=OuterRef("region"),
        record_id=OuterRef("record_id"),
        status=PersonalAccount.Status.FROZEN,
    )
    return queryset.select_related("region", "employer", "merged_into").annotate(
        case_rule=Subquery(last_case.values("case__rule")[:1]),
        case_status=Subquery(last_case.values("case__status")[:1]),
        restored_at=Subquery(last_restore.values("restored_at")[:1]),
        restored_reason=Subquery(last_restore.values("reason")[:1]),
        account_frozen=Exists(frozen),
    )


def enrollments_for_person(*, person: InsuredPerson) -> list[Enrollment]:
    """The person's enrollments, each with `.explanation` (why this status, what to do)."""
    return with_explanations(
        _with_explanations(Enrollment.objects.filter(person=person)).order_by(
            "status", "region_id", "scheme"
        )
    )


def person_with_enrollments(*, person_id: int) -> InsuredPerson:
    return InsuredPerson.objects.prefetch_related(
        Prefetch(
            "enrollments",
            queryset=_with_explanations(Enrollment.objects.all()).order_by(
                "status", "region_id", "scheme"
            ),
        )
    ).get(pk=person_id)


def verification_cases_for_employer(*, employer: Employer) -> QuerySet[DuplicateCase]:
    """Open name checks (核实) touching this employer's employees."""
    return (
        DuplicateCase.objects.filter(
            rule=DuplicateCase.Rule.NAME_MISMATCH,
            changes__enrollment__employer=employer,
        )
        .select_related("person", "region")
        .distinct()
        .order_by("-created_at", "-pk")
    )


def enrollments_in_region(
    *, person: InsuredPerson, region_id: str, schemes: tuple[str, ...]
) -> list[Enrollment]:
    """The person's records in one region under these schemes (a transfer's old or new side),
    newest registration first."""
    return list(
        Enrollment.objects.filter(person=person, region_id=region_id, scheme__in=schemes).order_by(
            "-registered_at", "-pk"
        )
    )
