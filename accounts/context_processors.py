from django.conf import settings

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
