"""The CSV lines PostgreSQL writes are byte for byte the ones the Python layout writes."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import csv_layout, csv_sql, exports
from cases.models import Settlement, Violation
from core.dates import DatePrecision, truncate_to_precision
from tests.factories import (
    AuthorityFactory,
    CompanyFactory,
    LawFactory,
    LawsuitFactory,
    SettlementFactory,
    SourceFactory,
    ViolationFactory,
)

pytestmark = pytest.mark.postgres_only

HOSTILE_TEXTS = [
    'He said "pay", then left',
    "one, two, three",
    "line one\nline two",
    "windows\r\nline",
    "lone\rreturn",
    "=SUM(A1:A9)",
    "+1 555 0100",
    "-minus first",
    "@handle",
    "\tTab first",
    "\rReturn first",
    '=HYPERLINK("http://evil", "a,b")',
    "'already apostrophe",
    " leading space",
    "Zürich € 東京 🙂",
    "",
]


def python_bytes(columns, rows) -> bytes:
    return "".join(exports.csv_text(columns, rows)).encode()


def database_bytes(columns, lines) -> bytes:
    return "".join(exports.csv_text_from_lines(columns, lines)).encode()


@pytest.fixture
def hostile_records(db):
    """Records whose every text field is one of the cells a CSV writer must get right."""
    hidden_parent = CompanyFactory(name="Hidden, parent", slug="hidden-parent", is_published=False)
    shown_parent = CompanyFactory(name='Shown "parent"', slug="shown-parent")
    laws = [
        LawFactory(short_name="B law", slug="b-law"),
        LawFactory(short_name="A law", slug="a-law"),
        LawFactory(short_name="Draft", slug="draft-law", is_published=False),
    ]
    sources = [
        SourceFactory(url="https://example.org/a,b", published_on=datetime.date(2020, 1, 1)),
        SourceFactory(url='https://example.org/"q"', published_on=None),
        SourceFactory(url="https://example.org/new", published_on=datetime.date(2024, 5, 1)),
    ]
    hidden_court = AuthorityFactory(name="Quiet, court", slug="quiet-court", is_published=False)
    for number in range(len(HOSTILE_TEXTS)):
        # Each text field holds every hostile text once over the records.
        texts = itertools.islice(itertools.cycle(HOSTILE_TEXTS), number, None)
        precision = DatePrecision.values[number % 3]
        company = CompanyFactory(
            name=next(texts) + str(number),
            parent=(hidden_parent, shown_parent, None)[number % 3],
        )
        violation = ViolationFactory(
            company=company,
            authority=AuthorityFactory(name=next(texts) + str(number), country="DE"),
            lawsuit=(None, LawsuitFactory(is_published=number % 2 == 0))[number % 2],
            amount=Decimal(number * 1000) + Decimal("0.05"),
            currency=("USD", "EUR", "JPY")[number % 3],
            decided_on=truncate_to_precision(
                datetime.date(1999 + number, 1 + number % 12, 3 + number), precision
            ),
            decided_on_precision=precision,
            description=next(texts),
            is_published=True,
        )
        violation.laws.add(*laws[: number % 4])
        violation.sources.add(*sources[: number % 4])
        lawsuit = LawsuitFactory(
            title=next(texts),
            docket_number=next(texts) + str(number),
            authority=(None, hidden_court, AuthorityFactory(name=next(texts) + str(number)))[
                number % 3
            ],
            defendants=[company, shown_parent, hidden_parent][: 1 + number % 3],
        )
        lawsuit.laws.add(*laws[: (number + 1) % 4])
        settlement = SettlementFactory(
            lawsuit=lawsuit,
            amount=Decimal(number) + Decimal("0.10"),
            announced_on=None
            if number % 4 == 0
            else truncate_to_precision(datetime.date(2010 + number, 2, 9), precision),
            announced_on_precision=precision,
            approved_on=datetime.date(2011, 12, 31) if number % 2 else None,
            approved_on_precision=DatePrecision.DAY,
            claim_deadline=datetime.date(2030, 7, 4) if number % 3 else None,
            class_description=next(texts),
            summary=next(texts),
        )
        settlement.sources.add(*sources[(number + 2) % 4 :])
    # A second settlement of the same lawsuit shares its defendants and laws.
    SettlementFactory(lawsuit=lawsuit, amount=Decimal("7.77"), summary="second of a lawsuit")


@pytest.mark.parametrize("public", [True, False])
@pytest.mark.parametrize(
    "model, columns, python_rows, database_lines",
    [
        (
            Violation,
            csv_layout.VIOLATION_COLUMNS,
            csv_layout.violation_rows,
            csv_sql.violation_lines,
        ),
        (
            Settlement,
            csv_layout.SETTLEMENT_COLUMNS,
            csv_layout.settlement_rows,
            csv_sql.settlement_lines,
        ),
    ],
)
def test_database_lines_are_the_bytes_python_writes(
    hostile_records, public, model, columns, python_rows, database_lines
):
    for ordering in (["pk"], ["-amount"], []):
        queryset = model.objects.order_by(*ordering) if ordering else model.objects.all()
        base = "https://casetrack.example.org"
        expected = python_bytes(columns, python_rows(queryset, base, public=public))
        written = database_bytes(columns, database_lines(queryset, base, public=public))
        assert written == expected
        assert expected.count(b"\r\n") > queryset.count()  # the hostile cells are in it


def test_database_lines_hold_the_cells_that_needed_care(hostile_records):
    """Not only equal to the Python path: the cells that need quoting are quoted."""
    text = "".join(csv_sql.violation_lines(Violation.objects.order_by("pk"), "", public=True))
    assert '"He said ""pay"", then left' in text
    assert '"line one\nline two"' in text
    assert ",'=SUM(A1:A9)" in text and ",=SUM" not in text
    assert ",'\tTab first" in text
    assert "\"'\rReturn first" in text
    assert "Zürich € 東京 🙂" in text
    assert "b-law|" not in text  # laws in short-name order: "A law" first
    assert "a-law|b-law" in text
    assert "draft-law" not in text and "hidden-parent" not in text


def test_the_list_export_on_postgresql_is_one_query_of_database_lines(client, hostile_records):
    from cases.views import VIOLATIONS

    def export() -> tuple[bytes, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            body = b"".join(client.get("/violations/?format=csv").streaming_content)
        return body, [query["sql"] for query in queries]

    few_body, few_queries = export()
    for _ in range(5):
        ViolationFactory().laws.add(LawFactory())
    body, queries = export()
    assert len(queries) == len(few_queries)
    assert len(body.split(b"\r\nviolation,")) == len(few_body.split(b"\r\nviolation,")) + 5
    # The rows and their lists come from one statement: no other query reads violations.
    assert sum("string_agg" in sql for sql in queries) == 1
    assert sum('FROM "cases_violation"' in sql for sql in queries) == 1
    queryset = VIOLATIONS.filterset_class({}, queryset=VIOLATIONS.queryset()).qs
    expected = python_bytes(
        csv_layout.VIOLATION_COLUMNS,
        csv_layout.violation_rows(queryset, "http://testserver", public=True),
    )
    assert body == expected
