"""Formatting for templates: money with its currency, approximate USD, countries, dates."""

from django import template

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
