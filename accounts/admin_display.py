"""Money in the admin: amounts are kept in fen, staff read yuan with two decimals.

`MoneyInYuanMixin` (part of every region-scoped and superuser-only admin) shows each `*_fen`
field of the model as "…（元）" 200.00 wherever the admin would show the field (list columns,
change and view pages, with its ordering); `yuan_column` does the same for an amount in fen
reached another way (a property, a related record).
"""

from decimal import Decimal
from operator import attrgetter
from types import MethodType

from django.contrib import admin
from django.utils.functional import lazy

from .models import fen_to_yuan

FEN_SUFFIX = "_fen"
YUAN_SUFFIX = "_yuan"


def format_yuan(amount: int | Decimal | None) -> str:
    """An amount in fen (int, 20000) or in yuan (Decimal) → "200.00", thousands separated;
    no amount → "—"."""
    if amount is None:
        return "—"
    yuan = amount.quantize(Decimal("0.01")) if isinstance(amount, Decimal) else fen_to_yuan(amount)
    return f"{yuan:,}"


def _yuan_label(label) -> str:
    # The field's verbose name says fen in either language; the column says yuan.
    text = str(label)
    for fen, yuan in (("（分）", "（元）"), ("(fen)", "(yuan)")):
        if fen in text:
            return text.replace(fen, yuan)
    return text if "（元）" in text or "(yuan)" in text else f"{text}（元）"


yuan_label = lazy(_yuan_label, str)


def yuan_column(amount_of, description, *, ordering: str | None = None):
    """An admin column or read-only field showing `amount_of` (an attribute path such as
    "account.balance_fen", or a function of the record; fen or Decimal yuan) in yuan."""
    getter = attrgetter(amount_of) if isinstance(amount_of, str) else amount_of

    @admin.display(description=description, ordering=ordering)
    def column(model_admin, obj):
        return format_yuan(getter(obj))

    return column


class MoneyInYuanMixin:
    """Every `<name>_fen` model field appears as `<name>_yuan`, read-only, in yuan."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fen_fields = {
            field.name: field.name.removesuffix(FEN_SUFFIX) + YUAN_SUFFIX
            for field in self.model._meta.concrete_fields
            if field.name.endswith(FEN_SUFFIX)
        }
        for fen_name, yuan_name in self._fen_fields.items():
            if not hasattr(type(self), yuan_name):
                field = self.model._meta.get_field(fen_name)
                column = yuan_column(fen_name, yuan_label(field.verbose_name), ordering=fen_name)
                setattr(self, yuan_name, MethodType(column, self))

    def _in_yuan(self, names) -> list:
        shown = []
        for name in names:
            name = self._fen_fields.get(name, name) if isinstance(name, str) else name
            if name not in shown:
                shown.append(name)
        return shown

    def get_list_display(self, request):
        return self._in_yuan(super().get_list_display(request))

    def get_readonly_fields(self, request, obj=None):
        # The fen fields stay out of the form; their yuan columns are shown instead.
        fields = list(super().get_readonly_fields(request, obj))
        return fields + [
            name for pair in self._fen_fields.items() for name in pair if name not in fields
        ]

    def get_fields(self, request, obj=None):
        return self._in_yuan(super().get_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        return [
            (title, {**options, "fields": self._in_yuan(options["fields"])})
            for title, options in super().get_fieldsets(request, obj)
        ]
