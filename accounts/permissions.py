from rest_framework.permissions import BasePermission

from .models import User


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
