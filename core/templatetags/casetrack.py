"""Formatting for templates: money with its currency, approximate USD, countries, dates.

Also the rows of the statistics tables and the bars of the charts, written in Python: the
statistics page has some 1,500 table rows, and each row's half-dozen variables and filters
cost the template engine about 60 µs. The tags write the very bytes the template loops
wrote (tests/core/test_render_tags.py renders both and compares).
"""

import html

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat, urlencode
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from core.countries import COUNTRY_NAMES
from core.dates import format_precise_date
from core.money import format_approximate_usd, format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """{{ total|money:"EUR" }} → "€1,200,000"."""
    return format_money(amount, currency)


@register.filter
def usd_approx(amount) -> str:
    """{{ amount_usd|usd_approx }} → "≈ $92,000,000" (blank when unknown)."""
    return format_approximate_usd(amount)


@register.filter
def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code, code or "")


@register.filter
def precise_date(value, precision: str) -> str:
    return format_precise_date(value, precision)


def _intcomma():
    """``humanize.intcomma``, or Python's grouping for ints when the active language's
    format writes the same ("1,234,567"); checked once per table."""
    if intcomma(1234567) == "1,234,567" and intcomma(-1234) == "-1,234":
        return lambda value: f"{value:,}" if type(value) is int else intcomma(value)
    return intcomma


def _var(value) -> str:
    """What ``{{ value }}`` writes (localised, escaped), quickly for strings and ints.

    An int is localised by the template engine, which groups its digits only with
    USE_THOUSAND_SEPARATOR; other values go through the engine's own function.
    """
    if type(value) is str:  # not SafeString: conditional_escape, without its lazy wrapper
        return html.escape(value)
    if isinstance(value, str):
        return conditional_escape(value)
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return render_value_in_context(value, Context())


@register.simple_tag
def stat_rows(rows, linked, list_url, parameter):
    """The body rows of cases/_stat_table.html: each row's label (a link to the list
    filtered by its key when ``linked``), its count and its approximate USD amount."""
    grouped = _intcomma()
    link_start = f'<a href="{_var(list_url)}?{_var(parameter)}='
    parts = []
    for row in rows:
        label = _var(row.label)
        if linked:
            label = f'{link_start}{_var(urlencode(row.key))}">{label}</a>'
        parts.append(
            f'\n    <tr><th scope="row">{label}</th>'
            f'<td class="num">{_var(grouped(row.count))}</td>'
            f'<td class="num">{_var(format_approximate_usd(row.usd))}</td></tr>\n    '
        )
    return mark_safe("".join(parts))


@register.simple_tag
def chart_bars(chart):
    """The bars (``<g>`` elements) of core/_bar_chart.html's SVG."""
    width, height = _var(chart.width), _var(chart.bar_height)
    parts = []
    for bar in chart.bars:
        row = bar.row
        value_text = _var(row.value_text)
        link = f'<a href="{_var(row.url)}">' if row.url else ""
        text_y, bar_y = _var(bar.text_y), _var(bar.bar_y)
        parts.append(
            "\n    <g>\n"
            f"      <title>{_var(row.label)}: {value_text}</title>\n"
            f"      {link}\n"
            f'      <text x="0" y="{text_y}" class="bar-label">{_var(bar.label)}</text>\n'
            f'      <text x="{width}" y="{text_y}" class="bar-value" text-anchor="end">'
            f"{value_text}</text>\n"
            f'      <rect x="0" y="{bar_y}" width="{width}" height="{height}" class="bar-track"'
            ' rx="2"></rect>\n'
            f'      <rect x="0" y="{bar_y}" width="{_var(stringformat(bar.width, "s"))}"'
            f' height="{height}" class="bar" rx="2"></rect>\n'
            f"      {'</a>' if row.url else ''}\n"
            "    </g>\n    "
        )
    return mark_safe("".join(parts))
