"""API token authentication with a lifetime (settings.API_TOKEN_TTL, API_SERVICE_TOKEN_TTL)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.services.api_tokens import token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; a token past its lifetime is refused with 401 (a new
    sign-in at POST /api/v1/auth/token/ gives a new one)."""

    def authenticate_credentials(self, key):
        # The caller's person or employer comes in the token's query: every API view needs it.
        model = self.get_model()
        try:
            token = model.objects.select_related("user__person", "user__employer").get(key=key)
        except model.DoesNotExist:
            token = None
        if token is None or not token.user.is_active:
            _user, token = super().authenticate_credentials(key)  # DRF's own refusal
        if token_is_expired(token=token):
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新登录获取新令牌。"))
        return token.user, token
