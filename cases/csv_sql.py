"""The settlement and violation CSV exports written by PostgreSQL, one finished line per row.

Formatting ~20 cells per row in Python (and the csv module) was most of an export's time
at a million records. On PostgreSQL one statement now returns each row's CSV line, with
the same cells as ``csv_layout.settlement_rows`` / ``violation_rows`` and the same bytes as
Python's ``csv.writer`` writes them (tests/cases/test_csv_sql.py compares both): cells
neutralised as ``csv_layout.neutralise_cell`` does, quoted only when they hold a quote, a
comma, a CR or a LF (the excel dialect's QUOTE_MINIMAL), lines ended by CRLF. The linked
lists are aggregated per row in the same statement (hash joins of the link tables to the
exported rows), so an export is one query, read from a server-side cursor in chunks.
"""

from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber

from cases import csv_layout
from cases.csv_layout import LinkedList

# "'" in front of a cell starting like a formula: csv_layout.FORMULA_PREFIXES, in SQL.
_FORMULA_STARTS = ", ".join(
    {"\t": "E'\\t'", "\r": "E'\\r'"}.get(prefix, f"'{prefix}'")
    for prefix in csv_layout.FORMULA_PREFIXES
)


def _neutralised(column: str) -> str:
    """csv_layout.neutralise_cell in SQL."""
    return (
        f"CASE WHEN left({column}, 1) IN ({_FORMULA_STARTS}) "
        f"THEN '''' || {column} ELSE {column} END"
    )


def _quoted(column: str) -> str:
    """A cell as the csv module's QUOTE_MINIMAL (excel dialect) writes it."""
    return (
        f"CASE WHEN strpos({column}, '\"') > 0 OR strpos({column}, ',') > 0 "
        f"OR strpos({column}, E'\\r') > 0 OR strpos({column}, E'\\n') > 0 "
        f"THEN '\"' || replace({column}, '\"', '\"\"') || '\"' ELSE {column} END"
    )


def _partial_date(date: str, precision: str) -> str:
    """csv_layout.format_partial_date in SQL."""
    return (
        f"CASE WHEN {date} IS NULL THEN '' "
        f"WHEN {precision} = 'year' THEN to_char({date}, 'YYYY') "
        f"WHEN {precision} = 'month' THEN to_char({date}, 'YYYY-MM') "
        f"ELSE to_char({date}, 'YYYY-MM-DD') END"
    )


def _text(column: str) -> str:
    return f"coalesce({column}::text, '')"


def _lines(
    queryset: QuerySet,
    fields: dict[str, str],
    lists: dict[str, LinkedList],
    cells: list[str],
    url_viewname: str,
    base_url: str,
) -> Iterator[str]:
    """The CSV lines of ``queryset``'s rows, in its order, ``CHUNK_SIZE`` lines per piece.

    ``fields`` names each row value the cells use (alias -> model path, read as
    ``r.<alias>``); ``cells`` are SQL text expressions over those, ``<list name>.value``
    and ``URL`` (the record's page).
    """
    queryset = queryset.prefetch_related(None).select_related(None)
    ordering = [*(queryset.query.order_by or queryset.model._meta.ordering), "pk"]
    rows = (
        queryset.annotate(export_position=Window(RowNumber(), order_by=ordering))
        .annotate(**{alias: F(path) for alias, path in fields.items()})
        .order_by()
        .values_list("export_position", *fields)
    )
    rows_sql, rows_params = rows.query.sql_with_params()
    sql = f"WITH r AS MATERIALIZED ({rows_sql})"
    params = [*rows_params]
    joins = ""
    for name, linked in lists.items():
        links_sql, links_params, order_sql = linked.links_sql()
        separator = csv_layout.LIST_SEPARATOR
        sql += (
            f", list_{name} AS (SELECT keys.export_position, "
            f"string_agg(links.\"export_value\", '{separator}' ORDER BY {order_sql}) AS value "
            f"FROM (SELECT export_position, x_{linked.row_key} AS record FROM r) keys "
            f'JOIN ({links_sql}) links ON links."export_record" = keys.record '
            "GROUP BY keys.export_position)"
        )
        params += links_params
        joins += f" LEFT JOIN list_{name} USING (export_position)"
    url_prefix, url_suffix = (base_url + csv_layout._detail_url_format(url_viewname)).split("{}")
    inner = ", ".join(
        f"{cell.replace('URL', '(%s || r.x_id::text || %s)')} AS c{i}"
        for i, cell in enumerate(cells)
    )
    for cell in cells:
        params += [url_prefix, url_suffix] * cell.count("URL")
    neutralised = ", ".join(f"{_neutralised(f'c{i}')} AS n{i}" for i in range(len(cells)))
    line = " || ',' || ".join(_quoted(f"n{i}") for i in range(len(cells)))
    # Each layer is kept apart (OFFSET 0) so that a cell is computed once, not once for
    # every time the next layer's expression names it.
    sql += (
        f" SELECT {line} || E'\\r\\n' FROM (SELECT export_position, {neutralised} FROM "
        f"(SELECT r.export_position, {inner} FROM r{joins} OFFSET 0) cells OFFSET 0) neutralised"
        " ORDER BY neutralised.export_position"
    )
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        # JIT compiling this one statement costs more than it saves, seconds under load.
        with connection.cursor() as settings:
            settings.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        while lines := cursor.fetchmany(csv_layout.CHUNK_SIZE):
            yield "".join(line for (line,) in lines)


def _published(flag: str, public: bool) -> str:
    """Whether a linked row may be shown: always in a full export, if published in public."""
    return f"coalesce({flag}, false)" if public else "true"


def settlement_lines(queryset: QuerySet, base_url: str = "", public: bool = False) -> Iterator[str]:
    """csv_layout.settlement_rows as finished CSV lines (PostgreSQL only)."""
    fields = {
        "x_id": "id",
        "x_lawsuit_id": "lawsuit_id",
        "x_title": "lawsuit__title",
        "x_lawsuit_slug": "lawsuit__slug",
        "x_kind": "lawsuit__kind",
        "x_authority_name": "lawsuit__authority__name",
        "x_authority_slug": "lawsuit__authority__slug",
        "x_authority_published": "lawsuit__authority__is_published",
        "x_docket": "lawsuit__docket_number",
        "x_status": "status",
        "x_amount": "amount",
        "x_currency": "currency",
        "x_amount_usd": "amount_usd",
        "x_announced_on": "announced_on",
        "x_announced_on_precision": "announced_on_precision",
        "x_approved_on": "approved_on",
        "x_approved_on_precision": "approved_on_precision",
        "x_claim_deadline": "claim_deadline",
        "x_class_description": "class_description",
        "x_summary": "summary",
        "x_is_published": "is_published",
    }
    has_authority = (
        f"r.x_authority_slug IS NOT NULL AND {_published('r.x_authority_published', public)}"
    )
    cells = [
        "'settlement'",
        "r.x_id::text",
        "URL",
        _text("r.x_title"),
        _text("r.x_lawsuit_slug"),
        _text("r.x_kind"),
        _text("list_defendants.value"),
        f"CASE WHEN {has_authority} THEN {_text('r.x_authority_name')} ELSE '' END",
        f"CASE WHEN {has_authority} THEN {_text('r.x_authority_slug')} ELSE '' END",
        _text("r.x_docket"),
        _text("list_laws.value"),
        _text("r.x_status"),
        _text("r.x_amount"),
        _text("r.x_currency"),
        _text("r.x_amount_usd"),
        _partial_date("r.x_announced_on", "r.x_announced_on_precision"),
        _partial_date("r.x_approved_on", "r.x_approved_on_precision"),
        _partial_date("r.x_claim_deadline", "'day'"),
        _text("r.x_class_description"),
        _text("r.x_summary"),
        _text("list_sources.value"),
        "CASE WHEN r.x_is_published THEN '1' ELSE '0' END",
    ]
    assert len(cells) == len(csv_layout.SETTLEMENT_COLUMNS)
    lists = csv_layout.settlement_lists(public)
    return _lines(queryset, fields, lists, cells, "cases:settlement-detail", base_url)


def violation_lines(queryset: QuerySet, base_url: str = "", public: bool = False) -> Iterator[str]:
    """csv_layout.violation_rows as finished CSV lines (PostgreSQL only)."""
    fields = {
        "x_id": "id",
        "x_company_name": "company__name",
        "x_company_slug": "company__slug",
        "x_parent_slug": "company__parent__slug",
        "x_parent_published": "company__parent__is_published",
        "x_authority_name": "authority__name",
        "x_authority_slug": "authority__slug",
        "x_authority_country": "authority__country",
        "x_lawsuit_slug": "lawsuit__slug",
        "x_lawsuit_published": "lawsuit__is_published",
        "x_kind": "kind",
        "x_status": "status",
        "x_amount": "amount",
        "x_currency": "currency",
        "x_amount_usd": "amount_usd",
        "x_decided_on": "decided_on",
        "x_decided_on_precision": "decided_on_precision",
        "x_description": "description",
        "x_is_published": "is_published",
    }
    parent_shown = _published("r.x_parent_published", public)
    lawsuit_shown = _published("r.x_lawsuit_published", public)
    cells = [
        "'violation'",
        "r.x_id::text",
        "URL",
        _text("r.x_company_name"),
        _text("r.x_company_slug"),
        f"CASE WHEN {parent_shown} THEN {_text('r.x_parent_slug')} ELSE '' END",
        _text("r.x_authority_name"),
        _text("r.x_authority_slug"),
        _text("r.x_authority_country"),
        f"CASE WHEN {lawsuit_shown} THEN {_text('r.x_lawsuit_slug')} ELSE '' END",
        _text("r.x_kind"),
        _text("r.x_status"),
        _text("r.x_amount"),
        _text("r.x_currency"),
        _text("r.x_amount_usd"),
        _partial_date("r.x_decided_on", "r.x_decided_on_precision"),
        _text("list_laws.value"),
        _text("r.x_description"),
        _text("list_sources.value"),
        "CASE WHEN r.x_is_published THEN '1' ELSE '0' END",
    ]
    assert len(cells) == len(csv_layout.VIOLATION_COLUMNS)
    lists = csv_layout.violation_lists(public)
    return _lines(queryset, fields, lists, cells, "cases:violation-detail", base_url)
