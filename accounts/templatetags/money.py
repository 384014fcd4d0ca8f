"""Template filters for money (integer fen) and the monthly-credit chart."""

from django import template

from accounts.models import fen_to_yuan, posting_kind_name

register = template.Library()

CHART_BASELINE = 120
CHART_HEIGHT = 110


@register.filter
def yuan(fen: int) -> str:
    """12345 → "123.45", with thousands separators for large amounts."""
    return f"{fen_to_yuan(fen or 0):,}"


@register.filter
def chart_h(percent: int) -> int:
    return max(round(CHART_HEIGHT * percent / 100), 1)


@register.filter
def chart_y(percent: int) -> int:
    return CHART_BASELINE - chart_h(percent)


@register.filter
def posting_kind(kind: str) -> str:
    return posting_kind_name(kind)
