from rest_framework.permissions import BasePermission

from .models import User


class IsFeedService(BasePermission):
    """Machine-to-machine feeds (tax department, hospitals) with a service token."""

    message = "只有对接系统的服务令牌可以报送数据。"

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm("accounts.submit_feed"))


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
