import functools

from django import template
from django.urls import get_script_prefix, reverse

from accounts.display import yuan_text

register = template.Library()

_BADGES = {
    "active": ("OPEN", "CONFIRMED", "ACCEPTED"),
    "suspended": ("PENDING", "AWAITING_CODE", "SENT"),
}


@register.filter
def badge(status: str) -> str:
    """The portal's badge colour for a wallet status: green done, amber waiting, grey ended."""
    for name, statuses in _BADGES.items():
        if status in statuses:
            return f"badge--{name}"
    return "badge--stopped"


@register.filter
def yuan(fen: int | None) -> str:
    return "—" if fen is None else yuan_text(fen)


# The links the wallet pages' tabs and forms point to on every request.
_URL_NAMES = (
    "home",
    "family",
    "transfer_new",
    "transfers",
    "payment_code",
    "history",
    "usage_region",
)


@functools.cache
def _urls(script_prefix: str) -> dict[str, str]:
    return {name: reverse(f"wallet:{name}") for name in _URL_NAMES}


@register.simple_tag
def wallet_urls() -> dict[str, str]:
    """The wallet pages' fixed links (`urls.transfer_new` …), reversed once per process (and
    script prefix) instead of on each page."""
    return _urls(get_script_prefix())
