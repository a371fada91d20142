import datetime
from decimal import Decimal

import pytest

from core.dates import DatePrecision, format_precise_date, truncate_to_precision
from core.money import format_approximate_usd, format_money, is_currency_code


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("92000000"), "USD", "$92,000,000"),
        (Decimal("1200000000"), "EUR", "€1,200,000,000"),
        (Decimal("20000000.50"), "GBP", "£20,000,000.50"),
        (Decimal("5000"), "SEK", "5,000 SEK"),
        (Decimal("0"), "USD", "$0"),
    ],
)
def test_format_money_writes_amounts_as_the_press_does(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_approximate_usd_is_marked_and_rounded():
    assert format_approximate_usd(Decimal("1326840000.49")) == "≈ $1,326,840,000"
    assert format_approximate_usd(None) == ""


def test_currency_codes_are_iso_4217():
    assert is_currency_code("EUR")
    assert not is_currency_code("XYZ")
    assert not is_currency_code("usd")


@pytest.mark.parametrize(
    ("precision", "expected_date", "expected_text"),
    [
        (DatePrecision.YEAR, datetime.date(2019, 1, 1), "2019"),
        (DatePrecision.MONTH, datetime.date(2019, 2, 1), "February 2019"),
        (DatePrecision.DAY, datetime.date(2019, 2, 27), "27 February 2019"),
    ],
)
def test_dates_are_stored_and_shown_at_their_precision(precision, expected_date, expected_text):
    stored = truncate_to_precision(datetime.date(2019, 2, 27), precision)
    assert stored == expected_date
    assert format_precise_date(stored, precision) == expected_text
