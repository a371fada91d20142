# ruff: noqa: E501 -- one line of Python per line of the HTML it writes, as in the old templates
"""The rows of the settlement, penalty and lawsuit tables, written in Python.

A list page shows 50 rows of a dozen variables and filters each; through the template engine
that cost 10-25 ms per page. These tags write the very bytes the template loops wrote
(tests/cases/test_case_tables.py renders the old templates beside the new on the same rows).
"""

from django import template
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.safestring import mark_safe

from core.money import format_approximate_usd
from core.render import text
from core.urls import urls_read_once

register = template.Library()

APPROX_USD = '<span class="approx-usd" title="Approximate, at the yearly average rate">'
NONE = '<span class="muted">—</span>'
_CHOICES: dict = {}


def _display(record, name: str) -> str:
    """``record.get_<name>_display()``, with the field's choices made a dict once: Django
    makes it again, hashing every choice, on each call (~10 µs; two per row)."""
    field = record._meta.get_field(name)
    choices = _CHOICES.get(field)
    if choices is None:
        choices = _CHOICES[field] = dict(make_hashable(field.flatchoices))
    value = getattr(record, field.attname)
    return force_str(choices.get(make_hashable(value), value), strings_only=True)


def _approx_usd(record) -> str:
    if record.currency != "USD" and record.amount_usd is not None:
        return f"{APPROX_USD}{text(record.amount_usd_display)}</span>"
    return ""


def _authority_link(authority) -> str:
    return f'<a href="{text(authority.get_absolute_url())}">{text(authority.abbreviation or authority.name)}</a>'


def defendants(lawsuit) -> str:
    """What including cases/_defendants.html writes: the lawsuit's published defendants,
    linked, comma-separated, and the file's closing line break."""
    links = getattr(lawsuit, "public_defendants", None)
    if not links:
        return NONE + "\n"
    return (
        ", ".join(
            f'<a href="{text(link.company.get_absolute_url())}">{text(link.company.name)}</a>'
            for link in links
        )
        + "\n"
    )


@register.simple_tag
@urls_read_once()
def violation_rows(violations):
    parts = []
    for violation in violations:
        parts.append(
            "\n    <tr>\n"
            f'      <td class="num" data-label="Amount"><a class="amount" href="{text(violation.get_absolute_url())}">{text(violation.amount_display)}</a>{_approx_usd(violation)}</td>\n'
            f'      <td data-label="Company"><a href="{text(violation.company.get_absolute_url())}">{text(violation.company.name)}</a></td>\n'
            f'      <td data-label="Authority">{_authority_link(violation.authority)}</td>\n'
            f'      <td data-label="Kind">{text(_display(violation, "kind"))}</td>\n'
            f'      <td data-label="Status"><span class="badge badge-{text(violation.status)}">{text(_display(violation, "status"))}</span></td>\n'
            f'      <td class="date" data-label="Decided">{text(violation.decided_on_display)}</td>\n'
            "    </tr>\n    "
        )
    return mark_safe("".join(parts))


@register.simple_tag
@urls_read_once()
def settlement_rows(settlements):
    parts = []
    for settlement in settlements:
        lawsuit = settlement.lawsuit
        authority = lawsuit.authority
        court = _authority_link(authority) if authority and authority.is_published else NONE
        parts.append(
            "\n    <tr>\n"
            f'      <td class="num" data-label="Amount"><a class="amount" href="{text(settlement.get_absolute_url())}">{text(settlement.amount_display)}</a>{_approx_usd(settlement)}</td>\n'
            f'      <td data-label="Case"><a href="{text(lawsuit.get_absolute_url())}">{text(lawsuit.title)}</a></td>\n'
            f'      <td data-label="Defendants">{defendants(lawsuit)}</td>\n'
            f'      <td data-label="Court or authority">{court}</td>\n'
            f'      <td data-label="Status"><span class="badge badge-{text(settlement.status)}">{text(_display(settlement, "status"))}</span></td>\n'
            f'      <td class="date" data-label="Announced">{text(settlement.announced_on_display or "—")}</td>\n'
            "    </tr>\n    "
        )
    return mark_safe("".join(parts))


@register.simple_tag
@urls_read_once()
def lawsuit_rows(lawsuits):
    parts = []
    for lawsuit in lawsuits:
        docket = (
            f'<span class="docket">{text(lawsuit.docket_number)}</span>'
            if lawsuit.docket_number
            else ""
        )
        authority = lawsuit.authority
        court = _authority_link(authority) if authority and authority.is_published else NONE
        settled = getattr(lawsuit, "settled_usd", None)
        settled = text(format_approximate_usd(settled)) if settled else NONE
        parts.append(
            "\n    <tr>\n"
            f'      <td data-label="Case"><a href="{text(lawsuit.get_absolute_url())}">{text(lawsuit.title)}</a>{docket}</td>\n'
            f'      <td data-label="Defendants">{defendants(lawsuit)}</td>\n'
            f'      <td data-label="Court or authority">{court}</td>\n'
            f'      <td data-label="Kind">{text(_display(lawsuit, "kind"))}</td>\n'
            f'      <td data-label="Status"><span class="badge badge-{text(lawsuit.status)}">{text(_display(lawsuit, "status"))}</span></td>\n'
            f'      <td class="date" data-label="Filed">{text(lawsuit.filed_on_display or "—")}</td>\n'
            f'      <td class="num" data-label="Settled for">{settled}</td>\n'
            "    </tr>\n    "
        )
    return mark_safe("".join(parts))
