from django import template

from accounts.display import fixed_paths, yuan_text

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
_LINKS = tuple(
    (name, f"wallet:{name}")
    for name in (
        "home",
        "family",
        "transfer_new",
        "transfers",
        "payment_code",
        "history",
        "usage_region",
    )
)


@register.simple_tag
def wallet_urls() -> dict[str, str]:
    """The wallet pages' fixed links (`urls.transfer_new` …), reversed once."""
    return fixed_paths(_LINKS)
