"""Signed-in sessions end after a period of inactivity (settings.SESSION_IDLE_TIMEOUT*)."""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

LAST_ACTIVITY_KEY = "last_activity"
# Recording activity writes the session row; once a minute is enough for a 30-minute limit.
ACTIVITY_RESOLUTION_SECONDS = 60


def idle_timeout_for(user) -> timedelta:
    """Staff work long stretches in the admin; persons and employers get the short limit."""
    return settings.SESSION_IDLE_TIMEOUT_STAFF if user.is_staff else settings.SESSION_IDLE_TIMEOUT


class IdleSessionTimeoutMiddleware:
    """Records each request's time in the session and signs the user out when the previous
    one is longer ago than their idle limit. Token-authenticated API calls carry no session
    and are untouched. The time is rewritten at most once a minute (ACTIVITY_RESOLUTION_SECONDS),
    so most requests save no session; the limit then counts from up to a minute earlier."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > idle_timeout_for(user).total_seconds():
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(
                        request, _("您已长时间未操作，为保护账户安全已自动退出，请重新登录。")
                    )
            elif last is None or now - last >= ACTIVITY_RESOLUTION_SECONDS:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)
