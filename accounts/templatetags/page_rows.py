"""Repeated rows of a page (table rows, statement rows, chart bars, a select's options) as
HTML built in Python.

The template engine spends microseconds on every value it prints (and `format_html` nearly
as much: its lazy-string checks); a page of tables prints hundreds. Here a row is one
`str.format` of values escaped as the engine escapes them, so a loop costs the template a
single tag. The rows come as plain strings already (selectors and statements.py format them).
"""

from html import escape

from django import template
from django.utils.safestring import SafeData, SafeString, mark_safe

register = template.Library()


def _escaped(value) -> str:
    """`conditional_escape` without its lazy-string checks: safe strings stay as they are."""
    return value if isinstance(value, SafeData) else escape(str(value))


def _rows(row_html: str, rows) -> SafeString:
    """`row_html` filled with each row's escaped values, a row a line."""
    html = "\n".join(row_html.format(*map(_escaped, values)) for values in rows)
    return mark_safe(html)  # noqa: S308 -- every value is escaped


@register.simple_tag
def table_rows(rows: list[dict], *columns: str) -> SafeString:
    """`<tr>` per row, a `<td>` per column: "key" or "key:class" (the cell's class)."""
    keys, cells = [], []
    for column in columns:
        key, _, css = column.partition(":")
        keys.append(key)
        cells.append(f'<td class="{css}">{{}}</td>' if css else "<td>{}</td>")
    return _rows(f"<tr>{''.join(cells)}</tr>", ([row[key] for key in keys] for row in rows))


_STATEMENT_ROW = (
    '<tr><td><strong class="statement__name">{}</strong><span class="statement__meta">{}</span>'
    '<span class="statement__meta">{}</span></td><td class="num">'
    '<span class="statement__amount amount--{}">{}</span>'
    '<span class="statement__meta">{} {}</span></td></tr>'
)


@register.simple_tag
def statement_rows(rows: list[dict], balance_label: str) -> SafeString:
    """The rows of a statement page (accounts.statements): what, with whom, what for and when;
    the signed amount and the balance after."""
    return _rows(
        _STATEMENT_ROW,
        (
            (
                row["name"],
                f"{row['counterparty']} · {row['purpose']}"
                if row["purpose"]
                else row["counterparty"],
                row["when"],
                row["direction"],
                row["amount"],
                balance_label,
                row["balance"],
            )
            for row in rows
        ),
    )


_BAR = (
    '<g class="credit-chart__month">'
    '<text x="{}" y="{}" text-anchor="end" class="credit-chart__label">{}</text>'
    '<rect x="{}" y="{}" width="{}" height="16" class="credit-chart__bar{}">'
    "<title>{}：¥{}</title></rect>"
    '<text x="{}" y="{}" class="credit-chart__value{}">{}</text></g>'
)


@register.simple_tag
def credit_chart_bars(chart: dict) -> SafeString:
    """The bars of selectors.monthly_credit_chart: the month, the bar, the amount (a month
    without credits greyed)."""
    label_x, bar_x = chart["bar_x"] - 6, chart["bar_x"]
    return _rows(
        _BAR,
        (
            (
                label_x,
                bar["text_y"],
                bar["month_label"],
                bar_x,
                bar["bar_y"],
                bar["width"],
                "" if bar["amount_fen"] else " credit-chart__bar--empty",
                bar["month_label"],
                bar["value"],
                bar["value_x"],
                bar["text_y"],
                "" if bar["amount_fen"] else " credit-chart__value--empty",
                bar["value"],
            )
            for bar in chart["bars"]
        ),
    )


@register.simple_tag
def select_options(values: list, selected) -> SafeString:
    """An `<option>` per value, the one equal to `selected` selected."""
    return _rows(
        '<option value="{0}"{1}>{0}</option>',
        ((value, " selected" if value == selected else "") for value in values),
    )
