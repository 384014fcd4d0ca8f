"""API tokens: one per user, expiring after a lifetime that depends on the kind of user."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.errors import BusinessRuleViolation
from accounts.models import User
from accounts.sql import aware, select


def token_lifetime(*, user: User) -> timedelta:
    """Service tokens live in a connected system's configuration; everyone else's a day."""
    if user.kind == User.Kind.SERVICE:
        return settings.API_SERVICE_TOKEN_TTL
    return settings.API_TOKEN_TTL


def token_expires_at(*, token: Token) -> datetime:
    return token_expiry(user=token.user, created=token.created)


def token_expiry(*, user: User, created: datetime | None) -> datetime | None:
    """When the user's token made at `created` expires; None for no token."""
    return created and created + token_lifetime(user=user)


def api_token_expires_at(*, user: User) -> datetime | None:
    """When the user's token expires, or None without one: one query, no Token built."""
    rows = select("SELECT created FROM authtoken_token WHERE user_id = %s", [user.pk])
    return token_expiry(user=user, created=aware(rows[0][0]) if rows else None)


def token_is_expired(*, token: Token) -> bool:
    return timezone.now() >= token_expires_at(token=token)


@transaction.atomic
def api_token_issue(*, user: User) -> Token:
    """The user's token: the current one while it is valid, else (none, or expired) a new
    one. Refuses nothing; the caller has authenticated the user."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_is_expired(token=token):
        return token
    if token is not None:
        token.delete()
    return Token.objects.create(user=user)


def api_token_sign_in(*, user: User) -> Token:
    """A token for a password sign-in: persons and employers only. Refused (403): staff and
    superusers, who work in the admin behind a second factor, and service users, whose tokens
    come from `create_service_token` with their scopes."""
    portal_kinds = (User.Kind.PERSON, User.Kind.EMPLOYER)
    if user.kind not in portal_kinds or user.is_staff or user.is_superuser:
        raise BusinessRuleViolation(
            _("接口令牌仅供参保人和参保单位使用；经办人员请通过管理后台（双重认证）办理。"),
            status_code=403,
        )
    return api_token_issue(user=user)


@transaction.atomic
def api_token_revoke(*, user: User) -> bool:
    """Deletes the user's token (API clients holding it get 401 from then on); False when the
    user had none. Refuses nothing."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return bool(deleted)
