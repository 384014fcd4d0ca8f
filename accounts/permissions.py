"""Who may do what: API permission classes, and the staff-region rules every app shares.

Staff act only for their regions (统筹区); a superuser acts for all. A record of one region
(an enrollment, a case) is checked with `staff_may_act_on_region` / `require_staff_region`. A
record of two regions (a cross-region transfer: 转出地 and 转入地) is seen by staff of either
side, and each side acts only on its own step: `staff_sides` names the sides a user holds,
`require_staff_side` refuses a step of the other side.
"""

from collections.abc import Iterable, Mapping, Sequence

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from .errors import BusinessRuleViolation
from .models import Region, User


def is_service_with_scope(user, permission: str) -> bool:
    """A connected system's own user holding that scope.

    Staff and superusers never pass, even with the permission: a superuser's `has_perm` is
    always true, and a person's login must not double as a machine's.
    """
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.kind == User.Kind.SERVICE
        and not user.is_staff
        and not user.is_superuser
        and user.has_perm(permission)
    )


class IsFeedService(BasePermission):
    """Machine-to-machine feeds (tax department, source systems): the feed scope."""

    message = "只有对接系统的服务令牌可以报送数据。"

    def has_permission(self, request, view) -> bool:
        return is_service_with_scope(request.user, "accounts.submit_feed")


class IsSettlementService(BasePermission):
    """A designated institution's token: the settlement scope and the institution it stands for."""

    message = "只有具有结算权限的定点医药机构服务令牌可以结算。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return is_service_with_scope(user, "accounts.settle_payments") and hasattr(
            user, "institution"
        )


class IsInsuredPerson(BasePermission):
    message = "仅参保人本人可以访问。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.kind == User.Kind.PERSON
            and hasattr(user, "person")
        )


class IsEmployerUser(BasePermission):
    message = "仅参保单位可以访问。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.kind == User.Kind.EMPLOYER
            and hasattr(user, "employer")
        )


def _is_active_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def _held_regions(user, region_ids: Iterable[str | None]) -> set[str]:
    """Which of these region codes the user acts for (one query; superusers: all of them)."""
    wanted = {region_id for region_id in region_ids if region_id}
    if not wanted or not _is_active_staff(user):
        return set()
    if user.is_superuser:
        return wanted
    return set(user.regions.filter(pk__in=wanted).values_list("pk", flat=True))


def staff_regions(*, user: User) -> QuerySet[Region]:
    """The regions a staff user acts for: all for a superuser, none for anyone not active staff."""
    if not _is_active_staff(user):
        return Region.objects.none()
    if user.is_superuser:
        return Region.objects.all()
    return user.regions.all()


def staff_may_act_on_region(*, user: User, region_id: str | None) -> bool:
    """Active staff of that region, or a superuser (also for a record of no region)."""
    if _is_active_staff(user) and user.is_superuser:
        return True
    return bool(_held_regions(user, [region_id]))


def require_staff_region(*, user: User, region_id: str | None, message: str = "") -> None:
    """Refuses (403) anyone but staff of the region or a superuser; `message` says why."""
    if not staff_may_act_on_region(user=user, region_id=region_id):
        raise BusinessRuleViolation(
            message or _("只有本统筹区的经办人员可以办理此业务。"), status_code=403
        )


def staff_sides(*, user: User, sides: Mapping[str, str | None]) -> frozenset[str]:
    """The sides of a record of several regions that the user holds.

    `sides` names each side's region, e.g. {"out": "610100", "in": "140100"}: Xi'an staff hold
    {"out"}, staff of both regions hold both, a superuser holds every side, others none.
    """
    if _is_active_staff(user) and user.is_superuser:
        return frozenset(sides)
    held = _held_regions(user, sides.values())
    return frozenset(side for side, region_id in sides.items() if region_id in held)


def staff_may_see_regions(*, user: User, region_ids: Sequence[str | None]) -> bool:
    """A record of several regions is seen by staff of any of them (and superusers)."""
    if _is_active_staff(user) and user.is_superuser:
        return True
    return bool(_held_regions(user, region_ids))


def require_staff_side(
    *, user: User, sides: Mapping[str, str | None], side: str, message: str = ""
) -> None:
    """Refuses (403) a step of `side` to anyone who does not hold that side, even staff of the
    record's other region."""
    if side not in sides:
        raise ValueError(f"unknown side {side!r}")
    if side not in staff_sides(user=user, sides=sides):
        raise BusinessRuleViolation(
            message or _("此步骤由另一统筹区的经办人员办理。"), status_code=403
        )


def scope_to_staff_regions(
    *, queryset: QuerySet, user: User, region_paths: Sequence[str]
) -> QuerySet:
    """Rows of which any region (each reached through one of `region_paths`) is one the staff
    user works for; everything for a superuser."""
    if user.is_superuser:
        return queryset
    regions = user.regions.all()
    condition = Q()
    for path in region_paths:
        condition |= Q(**{f"{path}__in": regions})
    return queryset.filter(condition)
