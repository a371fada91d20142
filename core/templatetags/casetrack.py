"""Formatting for templates: money with its currency, approximate USD, countries, dates.

Also the rows of the statistics tables and the bars of the charts, written in Python: the
statistics page has some 1,500 table rows, and each row's half-dozen variables and filters
cost the template engine about 60 µs. The tags write the very bytes the template loops
wrote (tests/core/test_render_tags.py renders both and compares).
"""

from django import template
from django.template.defaultfilters import stringformat, urlencode
from django.utils.safestring import mark_safe

from core import widgets
from core.countries import COUNTRY_NAMES
from core.dates import format_precise_date
from core.money import format_approximate_usd, format_money
from core.render import intcomma_function, text

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


@register.simple_tag
def field_group(bound_field):
    """``{{ field.as_field_group }}``, written in Python (core.widgets.field_group)."""
    return widgets.field_group(bound_field)


@register.simple_tag
def stat_rows(rows, linked, list_url, parameter):
    """The body rows of cases/_stat_table.html: each row's label (a link to the list
    filtered by its key when ``linked``), its count and its approximate USD amount."""
    grouped = intcomma_function()
    link_start = f'<a href="{text(list_url)}?{text(parameter)}='
    parts = []
    for row in rows:
        label = text(row.label)
        if linked:
            label = f'{link_start}{text(urlencode(row.key))}">{label}</a>'
        parts.append(
            f'\n    <tr><th scope="row">{label}</th>'
            f'<td class="num">{text(grouped(row.count))}</td>'
            f'<td class="num">{text(format_approximate_usd(row.usd))}</td></tr>\n    '
        )
    return mark_safe("".join(parts))


@register.simple_tag
def chart_bars(chart):
    """The bars (``<g>`` elements) of core/_bar_chart.html's SVG."""
    width, height = text(chart.width), text(chart.bar_height)
    parts = []
    for bar in chart.bars:
        row = bar.row
        value_text = text(row.value_text)
        link = f'<a href="{text(row.url)}">' if row.url else ""
        text_y, bar_y = text(bar.text_y), text(bar.bar_y)
        parts.append(
            "\n    <g>\n"
            f"      <title>{text(row.label)}: {value_text}</title>\n"
            f"      {link}\n"
            f'      <text x="0" y="{text_y}" class="bar-label">{text(bar.label)}</text>\n'
            f'      <text x="{width}" y="{text_y}" class="bar-value" text-anchor="end">'
            f"{value_text}</text>\n"
            f'      <rect x="0" y="{bar_y}" width="{width}" height="{height}" class="bar-track"'
            ' rx="2"></rect>\n'
            f'      <rect x="0" y="{bar_y}" width="{text(stringformat(bar.width, "s"))}"'
            f' height="{height}" class="bar" rx="2"></rect>\n'
            f"      {'</a>' if row.url else ''}\n"
            "    </g>\n    "
        )
    return mark_safe("".join(parts))


@register.simple_tag
def company_links(companies, empty: str = "None recorded"):
    """Companies as comma-separated links (a family can list hundreds), or ``empty``."""
    if not companies:
        return empty
    return mark_safe(
        ", ".join(
            f'<a href="{text(company.get_absolute_url())}">{text(company.name)}</a>'
            for company in companies
        )
    )
