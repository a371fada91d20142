"""CSV of exactly the rows a filtered list shows, streamed in chunks.

Rows are read with ``iterator(chunk_size=…)``: prefetches run once per chunk, so memory and
the number of queries per chunk stay flat however many rows the filter matches.
"""

import csv
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from cases.csv_layout import neutralise_cell

CHUNK_SIZE = 2000

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


class _Echo:
    """A file-like object whose write returns the text, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_rows(queryset: QuerySet, columns: list[str], row: Callable, base_url: str) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for record in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(row(record, base_url))


def csv_response(
    queryset: QuerySet, columns: list[str], row: Callable, base_url: str, filename: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_rows(queryset, columns, row, base_url), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
