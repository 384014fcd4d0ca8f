"""API token authentication with a lifetime (settings.API_TOKEN_TTL, API_SERVICE_TOKEN_TTL)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.services.api_tokens import token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; a token past its lifetime is refused with 401 (a new
    sign-in at POST /api/v1/auth/token/ gives a new one)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token=token):
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新登录获取新令牌。"))
        return user, token
