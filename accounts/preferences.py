"""Display preferences kept in the browser: elder mode (长辈模式)."""

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

ELDER_COOKIE = "elder_mode"
# Remembered on this device for two years; signing out does not end it.
ELDER_COOKIE_MAX_AGE = 2 * 365 * 24 * 3600


def elder_mode_on(request) -> bool:
    return request.COOKIES.get(ELDER_COOKIE) == "1"


@require_POST
def elder_mode_switch(request):
    """The header's 长辈模式 button: `on` is "1" or "0"; back to `next` when it is ours."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    response = HttpResponseRedirect(target)
    if request.POST.get("on") == "1":
        response.set_cookie(
            ELDER_COOKIE,
            "1",
            max_age=ELDER_COOKIE_MAX_AGE,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response
