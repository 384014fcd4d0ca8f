"""Template filters for money (integer fen) and the monthly-credit chart."""

from django import template
from django.utils.translation import gettext_lazy as _

from accounts.models import fen_to_yuan

register = template.Library()

CHART_BASELINE = 120
CHART_HEIGHT = 110

POSTING_KINDS = {
    "CREDIT_IN_SERVICE": _("在职划入"),
    "CREDIT_RETIREE": _("退休划入"),
    "CARRY_OVER": _("年度结转"),
    "ACCOUNT_MERGE": _("账户合并"),
    "REFUND_BATCH": _("差额退费"),
}


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
    return POSTING_KINDS.get(kind, kind)
