"""How the pages write amounts, moments and their fixed links, prepared once in Python
before the template."""

import datetime as dt
import functools

from django.urls import get_script_prefix, reverse
from django.utils import timezone

from .models import fen_to_yuan


def yuan_text(fen: int) -> str:
    """12345 → "123.45", thousands separated."""
    return f"{fen_to_yuan(fen):,}"


def local_minute(at: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment where the portal is, to the minute (the `date` filter's "Y-m-d H:i");
    "" for none."""
    return timezone.localtime(at).strftime(fmt) if at else ""


@functools.cache
def _reversed(links: tuple[tuple[str, str], ...], script_prefix: str) -> dict[str, str]:
    return {key: reverse(name) for key, name in links}


def fixed_paths(links: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """{key: path} of (key, URL name) pairs for links without arguments, reversed once per
    process and script prefix: `{% url %}` costs a page's template a noticeable share."""
    return _reversed(links, get_script_prefix())
