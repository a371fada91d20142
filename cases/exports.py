"""CSV of exactly the rows a filtered list shows, streamed in chunks.

Rows are read with ``iterator(chunk_size=…)`` (a server-side cursor on PostgreSQL), so memory
stays flat however many rows the filter matches. Rows are sent a batch at a time: one write
per row cost a system call each in the server.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from cases import csv_layout
from cases.csv_layout import neutralise_cell

ROWS_PER_WRITE = 500

COMPANY_COLUMNS = [
    "name",
    "slug",
    "url",
    "parent_slug",
    "country",
    "lawsuits",
    "settlements",
    "settlements_usd_approx",
    "violations",
    "violations_usd_approx",
    "total_usd_approx",
]


def _cents(value) -> str:
    """Sums come back from SQLite without their scale: always write two decimals."""
    return f"{Decimal(value).quantize(Decimal('0.01')):f}"


def company_row(company, base_url: str = "") -> list[str]:
    """A company of ``companies_with_totals`` with its own records' counts and USD sums."""
    cells = [
        company.name,
        company.slug,
        base_url + company.get_absolute_url(),
        company.parent.slug if company.parent and company.parent.is_published else "",
        company.country,
        str(company.lawsuit_count),
        str(company.settlement_count),
        _cents(company.settlements_usd),
        str(company.violation_count),
        _cents(company.violations_usd),
        _cents(company.total_usd),
    ]
    return [neutralise_cell(cell) for cell in cells]


def company_rows(queryset: QuerySet, base_url: str = "") -> Iterator[list[str]]:
    for company in queryset.iterator(chunk_size=csv_layout.CHUNK_SIZE):
        yield company_row(company, base_url)


def csv_text(columns: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """The header, then the rows as CSV text, ``ROWS_PER_WRITE`` rows per piece."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending >= ROWS_PER_WRITE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def csv_text_from_lines(columns: list[str], lines: Iterable[str]) -> Iterator[str]:
    """The header, then pieces of CSV text already formatted (by the database)."""
    yield from csv_text(columns, [])
    yield from lines


def csv_response(
    columns: list[str], rows: Iterable[list[str]], filename: str, lines: Iterable[str] | None = None
) -> StreamingHttpResponse:
    """``rows`` as CSV, or with ``lines`` given, those finished lines after the header."""
    text = csv_text(columns, rows) if lines is None else csv_text_from_lines(columns, lines)
    response = StreamingHttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
