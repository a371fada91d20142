"""Related rows of an API list page, read as plain values instead of through Django's prefetch.

A list of 50 settlements writes some 80 defendants and 80 sources (violations and lawsuits
their laws too, lawsuits their settlements). Prefetched, each is a model instance (a
defendant link and its company: two), built and wired in by Django's prefetch machinery:
~3 ms of a request. The serializers read only a few attributes of them (a company's or
law's slug, a settlement's id, a source's url, title, publisher and date), so a list page
reads those columns into small objects with the same attributes. The querysets below are
the ones a single record's prefetches (``api.views``) read too, so both give the same rows
in the same order.
"""

from collections.abc import Callable
from types import SimpleNamespace

from django.db.models import QuerySet

from api.serializers import LISTED_SOURCES
from cases.models import Law, Settlement, Source
from cases.public_selectors import published_defendants


def published_laws() -> QuerySet:
    """A record's laws as written: the published ones, by short name."""
    return Law.objects.published().order_by("short_name")


def published_settlements() -> QuerySet:
    """A lawsuit's settlements as written: the published ones, oldest announced first."""
    return Settlement.objects.published().order_by("announced_on", "pk")


def _attach(records, attribute: str, rows: Callable[[list], QuerySet], make) -> None:
    """Give each record ``attribute``: a list of ``make(*values)`` for the rows of
    ``rows(ids)`` (``record_id, *values``), in their order; an empty list for a record
    without any, and no query for no records."""
    by_id = {}
    for record in records:
        setattr(record, attribute, by_id.setdefault(record.pk, []))
    if not by_id:
        return
    for record_id, *values in rows(list(by_id)):
        by_id[record_id].append(make(*values))


def attach_defendants(lawsuits) -> None:
    """``lawsuit.public_defendants`` as ``published_defendants`` gives them, for the
    serializers: links whose ``company`` has ``slug`` and ``is_published``."""
    defendants = published_defendants()
    _attach(
        lawsuits,
        defendants.to_attr,
        lambda ids: defendants.queryset.filter(lawsuit_id__in=ids).values_list(
            "lawsuit_id", "company__slug"
        ),
        lambda slug: SimpleNamespace(company=SimpleNamespace(slug=slug, is_published=True)),
    )


def attach_sources(records, related_name: str) -> None:
    """The records' sources as ``LISTED_SOURCES``, newest first as ``Source.Meta.ordering``
    gives them; ``related_name`` leads from a source to the records' model."""
    _attach(
        records,
        LISTED_SOURCES,
        lambda ids: Source.objects.filter(**{f"{related_name}__in": ids}).values_list(
            related_name, "url", "title", "publisher", "published_on"
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
        lambda ids: (
            published_laws()
            .filter(**{f"{related_name}__in": ids})
            .values_list(related_name, "slug")
        ),
        lambda slug: SimpleNamespace(slug=slug, is_published=True),
    )


def attach_settlements(lawsuits) -> None:
    """``lawsuit.published_settlements``: the published settlements' ids."""
    _attach(
        lawsuits,
        "published_settlements",
        lambda ids: (
            published_settlements().filter(lawsuit_id__in=ids).values_list("lawsuit_id", "pk")
        ),
        lambda pk: SimpleNamespace(pk=pk, is_published=True),
    )
