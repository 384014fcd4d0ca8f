"""Rows built by the page_rows tags print what a template loop printed, escaped the same way."""

from django.template import engines
from django.utils.safestring import mark_safe

from accounts.templatetags.page_rows import (
    credit_chart_bars,
    select_options,
    statement_rows,
    table_rows,
)


def test_a_table_row_has_a_cell_per_column_with_its_class_and_escaped_text():
    rows = [{"period": "2026年3月", "name": '<script>alert("x")</script>', "amount": "1,200.00"}]
    html = table_rows(rows, "period:nowrap", "name", "amount:num")
    assert html == (
        '<tr><td class="nowrap">2026年3月</td>'
        "<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>"
        '<td class="num">1,200.00</td></tr>'
    )


def test_the_tag_renders_what_the_template_loop_rendered():
    rows = [{"a": "Tom & Jerry's", "b": 3}, {"a": mark_safe("<em>ok</em>"), "b": ""}]
    engine = engines["django"]
    looped = engine.from_string(
        '{% for r in rows %}<tr><td class="x">{{ r.a }}</td><td>{{ r.b }}</td></tr>{% endfor %}'
    ).render({"rows": rows})
    tagged = engine.from_string('{% load page_rows %}{% table_rows rows "a:x" "b" %}').render(
        {"rows": rows}
    )
    assert tagged.replace("\n", "") == looped


def test_a_statement_row_joins_counterparty_and_purpose():
    row = {
        "name": "家庭共济转出",
        "counterparty": "家庭成员 李**",
        "purpose": "转账编号 7",
        "when": "2026-05-20 17:00",
        "direction": "out",
        "amount": "−200.00",
        "balance": "800.00",
    }
    html = statement_rows([row, {**row, "purpose": ""}], "余额")
    first, second = html.split("\n")
    assert '<span class="statement__meta">家庭成员 李** · 转账编号 7</span>' in first
    assert '<span class="statement__meta">家庭成员 李**</span>' in second
    assert '<span class="statement__amount amount--out">−200.00</span>' in first
    assert '<span class="statement__meta">余额 800.00</span></td></tr>' in first


def test_a_month_without_credits_is_greyed():
    bar = {"text_y": 19, "bar_y": 6, "width": 2, "value_x": 52, "month_label": "1月"}
    chart = {
        "bar_x": 44,
        "bars": [
            {**bar, "amount_fen": 0, "value": "0.00"},
            {**bar, "amount_fen": 1, "value": "0.01"},
        ],
    }
    empty, credited = credit_chart_bars(chart).split("\n")
    assert 'class="credit-chart__bar credit-chart__bar--empty"' in empty
    assert 'class="credit-chart__value credit-chart__value--empty"' in empty
    assert '<text x="38" y="19" text-anchor="end"' in empty
    assert 'class="credit-chart__bar"' in credited and "<title>1月：¥0.01</title>" in credited


def test_the_chosen_option_is_selected():
    assert select_options([2026, 2025], 2025) == (
        '<option value="2026">2026</option>\n<option value="2025" selected>2025</option>'
    )
