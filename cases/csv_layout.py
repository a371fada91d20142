"""Casetrack's own CSV layout for settlements and violations.

The public lists export it (``?format=csv``) and ``import_records`` reads it back, so that
export → import reproduces the same records. Dates are written at their precision as
partial ISO dates ("2019", "2019-02", "2019-02-27"); lists are "|"-separated. Cells that a
spreadsheet would run as a formula are neutralised with a leading apostrophe.

On PostgreSQL the list exports are written by cases/csv_sql.py, which must produce the
same bytes: a change to a column here needs the same change there (a test compares them).
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from cases.models import Lawsuit, LawsuitDefendant, Settlement, Violation
from core.dates import DatePrecision

LIST_SEPARATOR = "|"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST_CHARACTERS = frozenset("".join(FORMULA_PREFIXES))

SETTLEMENT_COLUMNS = [
    "record_type",
    "id",
    "url",
    "lawsuit",
    "lawsuit_slug",
    "lawsuit_kind",
    "defendants",
    "authority",
    "authority_slug",
    "docket_number",
    "laws",
    "status",
    "amount",
    "currency",
    "amount_usd_approx",
    "announced_on",
    "approved_on",
    "claim_deadline",
    "class_description",
    "summary",
    "sources",
    "is_published",
]

VIOLATION_COLUMNS = [
    "record_type",
    "id",
    "url",
    "company",
    "company_slug",
    "parent_company_slug",
    "authority",
    "authority_slug",
    "authority_country",
    "lawsuit_slug",
    "kind",
    "status",
    "amount",
    "currency",
    "amount_usd_approx",
    "decided_on",
    "laws",
    "description",
    "sources",
    "is_published",
]


def neutralise_cell(value: str) -> str:
    """Stop spreadsheets from running a cell as a formula (CSV injection)."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """Undo neutralise_cell when reading our own export back."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def format_partial_date(value: datetime.date | None, precision: str) -> str:
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def parse_partial_date(text: str) -> tuple[datetime.date | None, str]:
    """Read "2019", "2019-02" or "2019-02-27" back into a date and its precision."""
    text = text.strip()
    if not text:
        return None, DatePrecision.DAY
    parts = text.split("-")
    try:
        numbers = [int(part) for part in parts]
        if len(numbers) == 1 and len(parts[0]) == 4:
            return datetime.date(numbers[0], 1, 1), DatePrecision.YEAR
        if len(numbers) == 2:
            return datetime.date(numbers[0], numbers[1], 1), DatePrecision.MONTH
        if len(numbers) == 3:
            return datetime.date(*numbers), DatePrecision.DAY
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date like 2019, 2019-02 or 2019-02-27")


CHUNK_SIZE = 2000
# The order the lists had as prefetches: the models' default orderings, then ids for ties.
LAW_ORDER = ("law__short_name", "law__pk")
SOURCE_ORDER = ("-source__published_on", "source__title", "source__pk")


def _decimal(value) -> str:
    return "" if value is None else f"{value:f}"


def _detail_url_format(viewname: str) -> str:
    """A record page's address with "{}" where the id goes, so rows need no reverse()."""
    marker = 987654321
    url = reverse(viewname, kwargs={"pk": marker})
    assert str(marker) in url, url
    return url.replace(str(marker), "{}")


@dataclass(frozen=True)
class LinkedList:
    """A "|"-separated list of linked values: which link rows, which value, in which order."""

    model: type  # the link table, e.g. LawsuitDefendant or Violation.laws.through
    record: str  # its field naming the record (or the lawsuit) the list belongs to
    row_key: str  # the exported row's field holding that record's id: "id" or "lawsuit_id"
    value: str
    order_by: tuple[str, ...]
    condition: Q = field(default_factory=Q)

    def _rows(self) -> QuerySet:
        return self.model.objects.filter(self.condition).exclude(**{self.value: ""}).order_by()

    def by_record(self, record_ids: list[int]) -> dict[int, str]:
        """The lists of a chunk of records, in one query."""
        rows = (
            self._rows()
            .filter(**{f"{self.record}__in": set(record_ids)})
            .order_by(self.record, *self.order_by)
            .values_list(self.record, self.value)
        )
        lists: dict[int, list[str]] = {}
        for record_id, value in rows:
            lists.setdefault(record_id, []).append(value)
        return {record_id: LIST_SEPARATOR.join(values) for record_id, values in lists.items()}

    def links_sql(self) -> tuple[str, list, str]:
        """The link rows as SQL (export_record, export_value, export_order…), and their order."""
        order = {f"export_order{i}": F(name.lstrip("-")) for i, name in enumerate(self.order_by)}
        links = (
            self._rows()
            .annotate(export_record=F(self.record), export_value=F(self.value), **order)
            .values_list("export_record", "export_value", *order)
        )
        sql, params = links.query.sql_with_params()
        order_sql = ", ".join(
            f'links."export_order{i}"' + (" DESC" if name.startswith("-") else "")
            for i, name in enumerate(self.order_by)
        )
        return sql, list(params), order_sql

    def stream(self, positions: QuerySet) -> Iterator[tuple]:
        """(position, record id, value) of every exported row, in position order.

        ``positions`` gives each exported row's position and record id. One query: the
        database joins the link rows to the exported rows as sets (hash joins), instead of
        looking each chunk's ids up at random in the link table's index.
        """
        positions_sql, positions_params = positions.query.sql_with_params()
        links_sql, links_params, order_sql = self.links_sql()
        sql = (
            'SELECT rows."export_position", rows."export_key", links."export_value" '
            f"FROM ({positions_sql}) rows "
            f'JOIN ({links_sql}) links ON links."export_record" = rows."export_key" '
            f'ORDER BY rows."export_position", {order_sql}'
        )
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, [*positions_params, *links_params])
            while batch := cursor.fetchmany(CHUNK_SIZE):
                yield from batch


def _stream_rows(
    queryset: QuerySet,
    fields: list[str],
    lists: dict[str, LinkedList],
    format_row: Callable[[dict], list[str]],
) -> Iterator[list[str]]:
    """Rows as plain values (no model instances), then formatted and neutralised.

    On PostgreSQL the rows and each linked list stream from one query each (server-side
    cursors), merged here by the row's position in the export, in one snapshot: the query
    count never grows with the rows and memory stays flat. Elsewhere the lists are read
    once per chunk of ``CHUNK_SIZE`` rows. (As ordered aggregates in correlated subqueries
    they cost 0.2 ms per row at a million records, plus 10 s of JIT compilation; looked up
    per chunk by id, 0.15 ms per row: random reads in the link tables.)
    """
    queryset = queryset.prefetch_related(None).select_related(None)
    if connection.vendor != "postgresql":
        yield from _stream_rows_in_chunks(queryset, fields, lists, format_row)
        return
    ordering = [*(queryset.query.order_by or queryset.model._meta.ordering), "pk"]
    numbered = queryset.annotate(export_position=Window(RowNumber(), order_by=ordering))
    already_in_transaction = connection.in_atomic_block
    with transaction.atomic():
        if not already_in_transaction:
            # Every query of the export sees the same rows, so positions match.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        rows = (
            numbered.order_by("export_position")
            .values_list("export_position", *fields)
            .iterator(chunk_size=CHUNK_SIZE)
        )
        streams = {}
        for name, linked in lists.items():
            positions = numbered.annotate(export_key=F(linked.row_key)).order_by()
            streams[name] = linked.stream(positions.values_list("export_position", "export_key"))
        pending = {name: next(stream, None) for name, stream in streams.items()}
        for position, *values in rows:
            row = dict(zip(fields, values, strict=True))
            for name, stream in streams.items():
                collected = []
                link = pending[name]
                while link is not None and link[0] == position:
                    if link[1] != row[lists[name].row_key]:
                        raise RuntimeError("export rows and their lists are out of step")
                    collected.append(link[2])
                    link = next(stream, None)
                pending[name] = link
                row[f"list_{name}"] = LIST_SEPARATOR.join(collected)
            yield _neutralised(format_row(row))


def _stream_rows_in_chunks(queryset, fields, lists, format_row) -> Iterator[list[str]]:
    rows = queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)
    chunk: list[dict] = []
    for values in rows:
        chunk.append(dict(zip(fields, values, strict=True)))
        if len(chunk) >= CHUNK_SIZE:
            yield from _format_chunk(chunk, lists, format_row)
            chunk = []
    yield from _format_chunk(chunk, lists, format_row)


def _format_chunk(chunk: list[dict], lists: dict[str, LinkedList], format_row):
    if not chunk:
        return
    found = {
        name: linked.by_record([row[linked.row_key] for row in chunk])
        for name, linked in lists.items()
    }
    for row in chunk:
        for name, linked in lists.items():
            row[f"list_{name}"] = found[name].get(row[linked.row_key], "")
        yield _neutralised(format_row(row))


def _neutralised(cells: list[str]) -> list[str]:
    """neutralise_cell for a whole row, inlined: it runs for every cell of an export."""
    return ["'" + cell if cell and cell[0] in FORMULA_FIRST_CHARACTERS else cell for cell in cells]


def settlement_lists(public: bool) -> dict[str, "LinkedList"]:
    """A settlement's linked lists; ``public`` leaves out unpublished defendants and laws."""
    return {
        "defendants": LinkedList(
            LawsuitDefendant,
            "lawsuit",
            "lawsuit_id",
            "company__slug",
            ("company__name", "company__pk"),
            Q(company__is_published=True) if public else Q(),
        ),
        "laws": LinkedList(
            Lawsuit.laws.through,
            "lawsuit",
            "lawsuit_id",
            "law__slug",
            LAW_ORDER,
            Q(law__is_published=True) if public else Q(),
        ),
        "sources": LinkedList(
            Settlement.sources.through, "settlement", "id", "source__url", SOURCE_ORDER
        ),
    }


def violation_lists(public: bool) -> dict[str, "LinkedList"]:
    """A violation's linked lists; ``public`` leaves out unpublished laws."""
    return {
        "laws": LinkedList(
            Violation.laws.through,
            "violation",
            "id",
            "law__slug",
            LAW_ORDER,
            Q(law__is_published=True) if public else Q(),
        ),
        "sources": LinkedList(
            Violation.sources.through, "violation", "id", "source__url", SOURCE_ORDER
        ),
    }


def settlement_rows(
    queryset: QuerySet[Settlement], base_url: str = "", public: bool = False
) -> Iterator[list[str]]:
    """Settlements in ``SETTLEMENT_COLUMNS``, in the queryset's order.

    ``public`` leaves out a court or authority, defendants and laws that are not published.
    """
    url = base_url + _detail_url_format("cases:settlement-detail")
    lists = settlement_lists(public)
    fields = [
        "id",
        "lawsuit_id",
        "lawsuit__title",
        "lawsuit__slug",
        "lawsuit__kind",
        "lawsuit__authority__name",
        "lawsuit__authority__slug",
        "lawsuit__authority__is_published",
        "lawsuit__docket_number",
        "status",
        "amount",
        "currency",
        "amount_usd",
        "announced_on",
        "announced_on_precision",
        "approved_on",
        "approved_on_precision",
        "claim_deadline",
        "class_description",
        "summary",
        "is_published",
    ]

    def format_row(row: dict) -> list[str]:
        has_authority = row["lawsuit__authority__slug"] is not None and (
            row["lawsuit__authority__is_published"] or not public
        )
        claim_deadline = row["claim_deadline"]
        return [
            "settlement",
            str(row["id"]),
            url.format(row["id"]),
            row["lawsuit__title"],
            row["lawsuit__slug"],
            row["lawsuit__kind"],
            row["list_defendants"] or "",
            row["lawsuit__authority__name"] if has_authority else "",
            row["lawsuit__authority__slug"] if has_authority else "",
            row["lawsuit__docket_number"],
            row["list_laws"] or "",
            row["status"],
            _decimal(row["amount"]),
            row["currency"],
            _decimal(row["amount_usd"]),
            format_partial_date(row["announced_on"], row["announced_on_precision"]),
            format_partial_date(row["approved_on"], row["approved_on_precision"]),
            claim_deadline.isoformat() if claim_deadline else "",
            row["class_description"],
            row["summary"],
            row["list_sources"] or "",
            "1" if row["is_published"] else "0",
        ]

    return _stream_rows(queryset, fields, lists, format_row)


def violation_rows(
    queryset: QuerySet[Violation], base_url: str = "", public: bool = False
) -> Iterator[list[str]]:
    """Violations in ``VIOLATION_COLUMNS``, in the queryset's order.

    ``public`` leaves out a parent company, lawsuit and laws that are not published.
    """
    url = base_url + _detail_url_format("cases:violation-detail")
    lists = violation_lists(public)
    fields = [
        "id",
        "company__name",
        "company__slug",
        "company__parent__slug",
        "company__parent__is_published",
        "authority__name",
        "authority__slug",
        "authority__country",
        "lawsuit__slug",
        "lawsuit__is_published",
        "kind",
        "status",
        "amount",
        "currency",
        "amount_usd",
        "decided_on",
        "decided_on_precision",
        "description",
        "is_published",
    ]

    def format_row(row: dict) -> list[str]:
        parent = row["company__parent__slug"]
        if public and not row["company__parent__is_published"]:
            parent = None
        lawsuit = row["lawsuit__slug"]
        if public and not row["lawsuit__is_published"]:
            lawsuit = None
        return [
            "violation",
            str(row["id"]),
            url.format(row["id"]),
            row["company__name"],
            row["company__slug"],
            parent or "",
            row["authority__name"],
            row["authority__slug"],
            row["authority__country"],
            lawsuit or "",
            row["kind"],
            row["status"],
            _decimal(row["amount"]),
            row["currency"],
            _decimal(row["amount_usd"]),
            format_partial_date(row["decided_on"], row["decided_on_precision"]),
            row["list_laws"] or "",
            row["description"],
            row["list_sources"] or "",
            "1" if row["is_published"] else "0",
        ]

    return _stream_rows(queryset, fields, lists, format_row)
