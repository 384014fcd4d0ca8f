from django.conf import settings

from .display import fixed_paths
from .middleware import idle_timeout_for
from .preferences import elder_mode_on


def session_idle(request):
    """Seconds until an idle session ends and the warning lead, for static/js/portal.js."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "session_idle_seconds": int(idle_timeout_for(user).total_seconds()),
        "session_warning_seconds": int(settings.SESSION_IDLE_WARNING.total_seconds()),
    }


def elder_mode(request):
    """长辈模式 for base.html: a class on <html> and the header switch's state."""
    return {"elder_mode": elder_mode_on(request)}


# The URL names base.html links to on every page.
HEADER_URL_NAMES = (
    "admin:index",
    "elder-mode",
    "enrollment:verification-cases",
    "home",
    "login",
    "logout",
    "my-account",
    "refunds:batches",
    "register",
    "resident-refunds:list",
    "session-keep-alive",
    "set_language",
    "transfers:list",
    "wallet:home",
)


_HEADER_LINKS = tuple((name.replace(":", "_").replace("-", "_"), name) for name in HEADER_URL_NAMES)


def header_urls(request):
    """The header's and footer's links as `header_urls.wallet_home` and so on, reversed once
    (they were a third of base.html's rendering on each page)."""
    return {"header_urls": fixed_paths(_HEADER_LINKS)}
