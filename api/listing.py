"""Related rows of an API list page, read as plain values instead of through Django's prefetch.

A list of 50 settlements writes some 80 defendants and 80 sources (violations and lawsuits
their laws too, lawsuits their settlements). Prefetched, each is a model instance (a
defendant link and its company: two), built and wired in by Django's prefetch machinery:
~3 ms of a request. The serializers read only a few attributes of them (a company's or
law's slug, a settlement's id, a source's url, title, publisher and date), so a list page
reads those columns with the very filters and order of the prefetch it replaces, into
small objects with the same attributes. A single record's address keeps the prefetch.
"""

from types import SimpleNamespace

from api.serializers import LISTED_SOURCES
from cases.models import Law, LawsuitDefendant, Settlement, Source


def attach_defendants(lawsuits) -> None:
    """``lawsuit.public_defendants`` (``cases.public_selectors.published_defendants``) for
    the serializers: links whose ``company`` has ``slug`` and ``is_published``."""
    by_id = {}
    for lawsuit in lawsuits:
        lawsuit.public_defendants = by_id.setdefault(lawsuit.pk, [])
    if not by_id:
        return
    rows = (
        LawsuitDefendant.objects.filter(company__is_published=True, lawsuit_id__in=list(by_id))
        .order_by("company__name")
        .values_list("lawsuit_id", "company__slug")
    )
    for lawsuit_id, slug in rows:
        company = SimpleNamespace(slug=slug, is_published=True)
        by_id[lawsuit_id].append(SimpleNamespace(company=company))


def attach_sources(records, related_name: str) -> None:
    """The records' sources as ``LISTED_SOURCES`` (``api.views.listed_sources``), newest
    first as ``Source.Meta.ordering`` gives them; ``related_name`` leads from a source to
    the records' model."""
    by_id = {}
    for record in records:
        setattr(record, LISTED_SOURCES, by_id.setdefault(record.pk, []))
    if not by_id:
        return
    rows = Source.objects.filter(**{f"{related_name}__in": list(by_id)}).values_list(
        related_name, "url", "title", "publisher", "published_on"
    )
    for record_id, url, title, publisher, published_on in rows:
        source = SimpleNamespace(
            url=url, title=title, publisher=publisher, published_on=published_on
        )
        by_id[record_id].append(source)


def attach_laws(records, related_name: str) -> None:
    """``record.published_laws`` (``api.views.published_laws``): published laws by short
    name; ``related_name`` leads from a law to the records' model."""
    by_id = {}
    for record in records:
        record.published_laws = by_id.setdefault(record.pk, [])
    if not by_id:
        return
    rows = (
        Law.objects.published()
        .filter(**{f"{related_name}__in": list(by_id)})
        .order_by("short_name")
        .values_list(related_name, "slug")
    )
    for record_id, slug in rows:
        by_id[record_id].append(SimpleNamespace(slug=slug, is_published=True))


def attach_settlements(lawsuits) -> None:
    """``lawsuit.published_settlements`` (``api.views.LawsuitViewSet``): the published
    settlements' ids, oldest announced first."""
    by_id = {}
    for lawsuit in lawsuits:
        lawsuit.published_settlements = by_id.setdefault(lawsuit.pk, [])
    if not by_id:
        return
    rows = (
        Settlement.objects.published()
        .filter(lawsuit_id__in=list(by_id))
        .order_by("announced_on", "pk")
        .values_list("lawsuit_id", "pk")
    )
    for lawsuit_id, pk in rows:
        by_id[lawsuit_id].append(SimpleNamespace(pk=pk, is_published=True))
