"""Template filters for money (integer fen) and posting kinds."""

from django import template

from accounts.display import yuan_text
from accounts.models import PostingKind

register = template.Library()


@register.filter
def yuan(fen: int) -> str:
    """12345 → "123.45", with thousands separators for large amounts."""
    return yuan_text(fen or 0)


@register.filter
def posting_kind(kind: str) -> str:
    return PostingKind.name_of(kind)
