"""Reads for the core app."""

from django.db.models import QuerySet

from .models import Region, User


def staff_regions(*, user: User) -> QuerySet[Region]:
    if user.is_superuser:
        return Region.objects.all()
    return user.regions.all()


def scope_to_staff_regions(*, queryset: QuerySet, user: User, region_path: str) -> QuerySet:
    """Rows whose region (reached through `region_path`) is one the staff user works for."""
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{region_path}__in": user.regions.all()})
