"""Related rows of an API list page, read as plain values instead of through Django's prefetch.

A list of 50 settlements writes some 80 defendants and 80 sources (violations and lawsuits
their laws too, lawsuits their settlements). Prefetched, each is a model instance (a
defendant link and its company: two), built and wired in by Django's prefetch machinery:
~3 ms of a request. The serializers read only a few attributes of them (a company's or
law's slug, a settlement's id, a source's url, title, publisher and date), so a list page
reads those columns into small objects with the same attributes. The querysets below are
the ones a single record's prefetches (``api.views``) read too, so both give the same rows
in the same order; each is compiled once per process (``core.compiled``), the page's ids a
parameter.
"""

from types import SimpleNamespace

from django.db.models import QuerySet

from api.serializers import LISTED_SOURCES
from cases.models import Law, Settlement, Source
from cases.public_selectors import PUBLIC_DEFENDANTS, published_defendants
from core.compiled import CompiledQuery, compiled


def published_laws() -> QuerySet:
    """A record's laws as written: the published ones, by short name."""
    return Law.objects.published().order_by("short_name")


def published_settlements() -> QuerySet:
    """A lawsuit's settlements as written: the published ones, oldest announced first."""
    return Settlement.objects.published().order_by("announced_on", "pk")


def _attach(records, attribute: str, rows: CompiledQuery, make) -> None:
    """Give each record ``attribute``: a list of ``make(*values)`` for the rows of ``rows``
    (``record_id, *values``) for the records' ids, in their order; an empty list for a record
    without any, and no query for no records."""
    by_id = {}
    for record in records:
        setattr(record, attribute, by_id.setdefault(record.pk, []))
    for record_id, *values in rows.rows(by_id):
        by_id[record_id].append(make(*values))


def _m2m_column(model, related_name: str) -> str:
    """The column of the many-to-many table that ``related_name`` reads, from ``model`` (a
    law, a source) to the records: ``cases_settlement_sources.settlement_id``."""
    field = model._meta.get_field(related_name).field  # the records' ManyToManyField
    return f"{field.m2m_db_table()}.{field.m2m_column_name()}"


def attach_defendants(lawsuits) -> None:
    """``lawsuit.public_defendants`` as ``published_defendants`` gives them, for the
    serializers: links whose ``company`` has ``slug`` and ``is_published``."""
    _attach(
        lawsuits,
        PUBLIC_DEFENDANTS,
        compiled(
            "api:defendants",
            lambda: published_defendants().queryset.values_list("lawsuit_id", "company__slug"),
            "cases_lawsuitdefendant.lawsuit_id",
        ),
        lambda slug: SimpleNamespace(company=SimpleNamespace(slug=slug, is_published=True)),
    )


def attach_sources(records, related_name: str) -> None:
    """The records' sources as ``LISTED_SOURCES``, newest first as ``Source.Meta.ordering``
    gives them; ``related_name`` leads from a source to the records' model."""
    _attach(
        records,
        LISTED_SOURCES,
        compiled(
            f"api:sources:{related_name}",
            lambda: Source.objects.values_list(
                related_name, "url", "title", "publisher", "published_on"
            ),
            _m2m_column(Source, related_name),
        ),
        lambda url, title, publisher, published_on: SimpleNamespace(
            url=url, title=title, publisher=publisher, published_on=published_on
        ),
    )


def attach_laws(records, related_name: str) -> None:
    """``record.published_laws``; ``related_name`` leads from a law to the records' model."""
    _attach(
        records,
        "published_laws",
        compiled(
            f"api:laws:{related_name}",
            lambda: published_laws().values_list(related_name, "slug"),
            _m2m_column(Law, related_name),
        ),
        lambda slug: SimpleNamespace(slug=slug, is_published=True),
    )


def attach_settlements(lawsuits) -> None:
    """``lawsuit.published_settlements``: the published settlements' ids."""
    _attach(
        lawsuits,
        "published_settlements",
        compiled(
            "api:settlements",
            lambda: published_settlements().values_list("lawsuit_id", "pk"),
            "cases_settlement.lawsuit_id",
        ),
        lambda pk: SimpleNamespace(pk=pk, is_published=True),
    )
