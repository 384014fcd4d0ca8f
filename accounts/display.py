"""How the pages write amounts and moments, formatted once in Python before the template."""

import datetime as dt

from django.utils import timezone

from .models import fen_to_yuan


def yuan_text(fen: int) -> str:
    """12345 → "123.45", thousands separated."""
    return f"{fen_to_yuan(fen):,}"


def local_minute(at: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment where the portal is, to the minute (the `date` filter's "Y-m-d H:i");
    "" for none."""
    return timezone.localtime(at).strftime(fmt) if at else ""
