"""Sign-in helpers shared by the API and the portal."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    """django-axes lockout: JSON 429 for the API, a page for the portal."""
    message = _("登录失败次数过多，请15分钟后再试。")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": {}}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
