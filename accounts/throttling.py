"""The API's throttles for portal pages: same scope, same rate, same client address."""

from functools import wraps
from types import SimpleNamespace

from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.throttling import ScopedRateThrottle


def throttled_posts(scope: str):
    """POSTs to the view count against the API throttle `scope` and get a 429 page past it."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                throttle = ScopedRateThrottle()
                if not throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
                    message = _("操作过于频繁，请稍后再试。")
                    return render(
                        request, "registration/locked_out.html", {"message": message}, status=429
                    )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
