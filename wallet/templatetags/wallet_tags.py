from django import template

from accounts.models import fen_to_yuan

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
    return "—" if fen is None else f"{fen_to_yuan(fen):,}"
