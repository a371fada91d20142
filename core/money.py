"""Currencies (ISO 4217) and how amounts are written for people."""

from decimal import Decimal

import pycountry

CURRENCY_CODES: tuple[str, ...] = tuple(sorted(c.alpha_3 for c in pycountry.currencies))
CURRENCY_CHOICES: list[tuple[str, str]] = [
    (c.alpha_3, f"{c.alpha_3} — {c.name}")
    for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3)
]

# Symbols only where readers recognise them without ambiguity; others use the code.
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "HKD": "HK$",
    "SGD": "S$",
    "BRL": "R$",
    "CNY": "CN¥",
    "CHF": "CHF ",
}


def is_currency_code(code: str) -> bool:
    return code in CURRENCY_CODES


def format_money(amount: Decimal | int | None, currency: str) -> str:
    """Write an amount the way the press does: "$92,000,000", "€1,200,000,000"."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    digits = f"{amount:,.2f}"
    if digits.endswith(".00"):
        digits = digits[:-3]
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f"{symbol}{digits}"
    return f"{digits} {currency}"


def format_approximate_usd(amount_usd: Decimal | None) -> str:
    """USD values derived from yearly average rates are estimates, and say so."""
    if amount_usd is None:
        return ""
    return f"≈ {format_money(amount_usd.quantize(Decimal(1)), 'USD')}"
