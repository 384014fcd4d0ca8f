"""Sign-in helpers shared by the API and the portal: lockouts and the client's real address."""

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle


def client_address(request) -> str:
    """The address throttles and lockouts key on: REMOTE_ADDR, or, behind
    `TRUSTED_PROXY_COUNT` proxies (DRF's NUM_PROXIES), the X-Forwarded-For entry the outermost
    trusted proxy added, counted from the right. Entries a client wrote itself are never used.
    """
    return BaseThrottle().get_ident(request)


def login_failure_limit(request, credentials) -> int:
    """django-axes' failure limit, so that two limits hold at once: LOGIN_FAILURES_PER_USERNAME
    for one username from one address, and LOGIN_FAILURES_PER_ADDRESS from one address over
    all usernames (someone trying many IDs).

    Axes counts failures per username and address; it locks when that count reaches the limit
    returned here. Once the address as a whole is over its limit the answer is 0, which locks
    every username from it. A successful sign-in resets only its own username's count.
    """
    failures = AccessAttempt.objects.filter(
        ip_address=get_client_ip_address(request),
        attempt_time__gte=get_cool_off_threshold(request),
    ).aggregate(total=Sum("failures_since_start"))["total"]
    if (failures or 0) >= settings.LOGIN_FAILURES_PER_ADDRESS:
        return 0
    return settings.LOGIN_FAILURES_PER_USERNAME


def lockout_response(request, original_response=None, credentials=None):
    """django-axes lockout: JSON 429 for the API, a page for the portal."""
    message = _("登录失败次数过多，请15分钟后再试。")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": {}}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
