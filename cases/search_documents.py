"""Stored search documents of lawsuits, settlements and violations (PostgreSQL).

Public search used to build each record's tsvector from its text and the names of its
companies and authorities at query time: ~930,000 of them per search at a million records
(21 s). Each record now stores two documents, both GIN-indexed:

- ``search_document``: its own text and the names of its companies (defendants) and
  authorities: a record matches a search when this document does;
- ``own_search_document``: its own text only (title, docket, summary, description, and a
  penalty's authority), without company names: search ranks records whose own words match
  first, from this document, and finds the others through the matching companies
  (cases.public_selectors._search_postgres).

The triggers in ``search_documents.sql`` keep both right on every write: the record's own
writes, renames of companies and authorities, changes of a lawsuit's title or defendants.
They run in the database, so every write path is covered, including bulk inserts, COPY and
SQL.

The ``*_search_vector`` expressions below are the same documents computed by Django from the
live rows; ``drift()`` compares them with the stored ones (the tests and
``manage.py search_documents --check`` use it), ``rebuild()`` recomputes every document.
"""

from pathlib import Path

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import (
    BooleanField,
    F,
    Func,
    OuterRef,
    StringAgg,
    Subquery,
    TextField,
    Value,
)
from django.db.models.expressions import CombinedExpression

from cases.models import Lawsuit, LawsuitDefendant, Settlement, Violation

SQL = Path(__file__).with_name("search_documents.sql")
SQL_0005 = Path(__file__).with_name("search_documents_0005.sql")
CONFIG = "english"
TABLES = {Lawsuit: "cases_lawsuit", Settlement: "cases_settlement", Violation: "cases_violation"}
DOCUMENTS = ["search_document", "own_search_document"]
INDEXES = [(f"{table}_search_document", table) for table in TABLES.values()]
OWN_INDEXES = [(f"{table}_own_search_document", table) for table in TABLES.values()]


# The lexemes of each company's name, for finding the companies whose name holds a word of
# a search (``&&`` on arrays) without computing 25,000 tsvectors per search.
def company_lexemes(column: str = "name") -> str:
    return f"tsvector_to_array(to_tsvector('english'::regconfig, {column}))"


COMPANY_LEXEMES = company_lexemes()
COMPANY_LEXEMES_INDEX = "companies_company_name_lexemes"

FUNCTIONS = [
    "casetrack_authorities_renamed()",
    "casetrack_companies_renamed()",
    "casetrack_lawsuit_titles_changed()",
    "casetrack_defendants_updated()",
    "casetrack_defendants_deleted()",
    "casetrack_defendants_inserted()",
    "casetrack_lawsuits_refresh(bigint[])",
    "casetrack_violation_document_set()",
    "casetrack_settlement_document_set()",
    "casetrack_lawsuit_document_set()",
    "casetrack_violation_document(bigint, bigint, text)",
    "casetrack_settlement_document(bigint, text, text)",
    "casetrack_lawsuit_document(bigint, text, text, text)",
    "casetrack_defendant_names(bigint)",
]
OWN_FUNCTIONS = [
    "casetrack_violation_own_document(bigint, text)",
    "casetrack_settlement_own_document(bigint, text, text)",
    "casetrack_lawsuit_own_document(text, text, text)",
]
TRIGGERS = [
    ("search_document_set", "cases_lawsuit"),
    ("search_document_set", "cases_settlement"),
    ("search_document_set", "cases_violation"),
    ("search_documents_inserted", "cases_lawsuitdefendant"),
    ("search_documents_deleted", "cases_lawsuitdefendant"),
    ("search_documents_updated", "cases_lawsuitdefendant"),
    ("search_documents_title", "cases_lawsuit"),
    ("search_documents_renamed", "companies_company"),
    ("search_documents_renamed", "cases_authority"),
]


def is_supported(using=None) -> bool:
    return (using or connection).vendor == "postgresql"


def install(schema_editor) -> None:
    """Migration 0005: the functions and triggers of that time (search_documents_0005.sql,
    before ``own_search_document`` existed), every ``search_document`` filled, indexed."""
    if not is_supported(schema_editor.connection):
        return
    schema_editor.execute(SQL_0005.read_text())
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES.values():
            cursor.execute(f"UPDATE {table} SET search_document = NULL")
    _create_indexes(schema_editor, INDEXES, "search_document")


def install_own_documents(schema_editor) -> None:
    """Migration 0008: the current functions and triggers, then each record's own document
    (one UPDATE per table; the trigger computes it and leaves ``search_document`` alone),
    its GIN index, and the index of company name lexemes."""
    if not is_supported(schema_editor.connection):
        return
    schema_editor.execute(SQL.read_text())
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES.values():
            cursor.execute(f"UPDATE {table} SET own_search_document = NULL")
    _create_indexes(schema_editor, OWN_INDEXES, "own_search_document")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {COMPANY_LEXEMES_INDEX} ON companies_company "
        f"USING gin ({COMPANY_LEXEMES})"
    )


def uninstall_own_documents(schema_editor) -> None:
    """Unapplying 0008: its indexes and functions go and 0005's triggers come back (they do
    not name ``own_search_document``, whose columns the migration then drops)."""
    if not is_supported(schema_editor.connection):
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {COMPANY_LEXEMES_INDEX}")
    for index, _ in OWN_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
    schema_editor.execute(SQL_0005.read_text())
    for function in OWN_FUNCTIONS:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")


def _create_indexes(schema_editor, indexes, column: str) -> None:
    for index, table in indexes:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin ({column})")


def uninstall(schema_editor) -> None:
    if not is_supported(schema_editor.connection):
        return
    for index, _ in INDEXES + OWN_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {COMPANY_LEXEMES_INDEX}")
    for trigger, table in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for function in FUNCTIONS + OWN_FUNCTIONS:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")


def rebuild(using=None) -> None:
    """Recompute every stored document (setting one to NULL makes its trigger compute it)."""
    using = using or connection
    if not is_supported(using):
        return
    with using.cursor() as cursor:
        for table in TABLES.values():
            cursor.execute(f"UPDATE {table} SET search_document = NULL, own_search_document = NULL")


def _names_of_defendants(lawsuit_ref: str) -> Subquery:
    """The lawsuit's defendants' names in one string, in company id order."""
    return Subquery(
        LawsuitDefendant.objects.filter(lawsuit=OuterRef(lawsuit_ref))
        .order_by()
        .values("lawsuit")
        .annotate(
            names=StringAgg("company__name", Value(" "), order_by=("company_id",)),
        )
        .values("names"),
        output_field=TextField(),
    )


def _vector(*parts: tuple[object, str]) -> CombinedExpression:
    vectors = [SearchVector(path, weight=weight, config=CONFIG) for path, weight in parts]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def lawsuit_search_vector():
    return _vector(
        ("title", "A"),
        (_names_of_defendants("pk"), "A"),
        ("docket_number", "B"),
        ("summary", "C"),
    )


def settlement_search_vector():
    return _vector(
        ("lawsuit__title", "A"),
        (_names_of_defendants("lawsuit"), "A"),
        ("summary", "B"),
        ("class_description", "C"),
    )


def violation_search_vector():
    return _vector(
        ("company__name", "A"),
        ("authority__name", "B"),
        ("authority__abbreviation", "B"),
        ("description", "C"),
    )


def lawsuit_own_search_vector():
    return _vector(("title", "A"), ("docket_number", "B"), ("summary", "C"))


def settlement_own_search_vector():
    return _vector(("lawsuit__title", "A"), ("summary", "B"), ("class_description", "C"))


def violation_own_search_vector():
    return _vector(
        ("authority__name", "B"),
        ("authority__abbreviation", "B"),
        ("description", "C"),
    )


# (model, stored column) -> the document its rows give now.
SEARCH_VECTORS = {
    (Lawsuit, "search_document"): lawsuit_search_vector,
    (Settlement, "search_document"): settlement_search_vector,
    (Violation, "search_document"): violation_search_vector,
    (Lawsuit, "own_search_document"): lawsuit_own_search_vector,
    (Settlement, "own_search_document"): settlement_own_search_vector,
    (Violation, "own_search_document"): violation_own_search_vector,
}


def drift(limit: int = 20) -> dict[str, list[int]]:
    """Ids (up to ``limit`` per model) of records one of whose stored documents is not the one
    their rows give now: empty lists when every document is right."""
    if not is_supported():
        return {}
    found: dict[str, list[int]] = {model._meta.label: [] for model in TABLES}
    for (model, column), vector in SEARCH_VECTORS.items():
        same = Func(
            F(column),
            vector(),
            template="(%(expressions)s)",
            arg_joiner=" IS NOT DISTINCT FROM ",
            output_field=BooleanField(),
        )
        stale = model.objects.alias(same=same).filter(same=False).order_by("pk")
        ids = found[model._meta.label]
        ids.extend(pk for pk in stale.values_list("pk", flat=True)[:limit] if pk not in ids)
    return {label: sorted(ids)[:limit] for label, ids in found.items()}
