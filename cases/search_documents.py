"""Stored search documents of lawsuits, settlements and violations (PostgreSQL).

Public search used to build each record's tsvector from its text and the names of its
companies and authorities at query time: ~930,000 of them per search at a million records
(21 s). Each record now stores that document in ``search_document`` (GIN-indexed), and the
triggers in ``search_documents.sql`` keep it right on every write: the record's own writes,
renames of companies and authorities, changes of a lawsuit's title or defendants. They run
in the database, so every write path is covered, including bulk inserts, COPY and SQL.

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
CONFIG = "english"
TABLES = {Lawsuit: "cases_lawsuit", Settlement: "cases_settlement", Violation: "cases_violation"}
INDEXES = [(f"{table}_search_document", table) for table in TABLES.values()]

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
    """Create the functions and triggers, fill every document, then index them."""
    if not is_supported(schema_editor.connection):
        return
    schema_editor.execute(SQL.read_text())
    rebuild(schema_editor.connection)
    for index, table in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (search_document)"
        )


def uninstall(schema_editor) -> None:
    if not is_supported(schema_editor.connection):
        return
    for index, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
    for trigger, table in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for function in FUNCTIONS:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")


def rebuild(using=None) -> None:
    """Recompute every stored document (setting one to NULL makes its trigger compute it)."""
    using = using or connection
    if not is_supported(using):
        return
    with using.cursor() as cursor:
        for table in TABLES.values():
            cursor.execute(f"UPDATE {table} SET search_document = NULL")


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


SEARCH_VECTORS = {
    Lawsuit: lawsuit_search_vector,
    Settlement: settlement_search_vector,
    Violation: violation_search_vector,
}


def drift(limit: int = 20) -> dict[str, list[int]]:
    """Ids (up to ``limit`` per model) of records whose stored document is not the one their
    rows give now: empty lists when every document is right."""
    if not is_supported():
        return {}
    found = {}
    for model, vector in SEARCH_VECTORS.items():
        same = Func(
            F("search_document"),
            vector(),
            template="(%(expressions)s)",
            arg_joiner=" IS NOT DISTINCT FROM ",
            output_field=BooleanField(),
        )
        stale = model.objects.alias(same=same).filter(same=False).order_by("pk")
        found[model._meta.label] = list(stale.values_list("pk", flat=True)[:limit])
    return found
