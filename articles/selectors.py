"""Reads the import pipeline needs: what the database knows by name, and what is stuck."""

import datetime
import threading

from django.db.models import Count, Max, Q, QuerySet

from articles.extraction import Gazetteer, NameFinder
from articles.models import Article, ArticleStatus, Finding
from cases.models import Authority, Law
from companies.models import Company, CompanyAlias


def gazetteer_from_database() -> Gazetteer:
    """Companies with their aliases, authorities and laws, for the extractor."""
    aliases: dict[int, list[str]] = {}
    for company_id, name in CompanyAlias.objects.values_list("company_id", "name"):
        aliases.setdefault(company_id, []).append(name)
    companies = {
        name: tuple(aliases.get(pk, ())) for pk, name in Company.objects.values_list("pk", "name")
    }
    return Gazetteer(
        companies=companies,
        authorities=list(Authority.objects.values_list("name", "abbreviation")),
        laws=list(Law.objects.values_list("short_name", "full_name")),
    )


GAZETTEER_MODELS = (Company, CompanyAlias, Authority, Law)


def gazetteer_version() -> tuple:
    """Changes whenever a company, alias, authority or law is added, saved or deleted.

    Every row is a TimeStampedModel: a save moves max(updated_at), a delete lowers the
    count, an insert (also a bulk one, which sets updated_at too) does both.
    """
    return tuple(
        tuple(model.objects.aggregate(rows=Count("pk"), latest=Max("updated_at")).values())
        for model in GAZETTEER_MODELS
    )


class _FinderCache:
    """One NameFinder per process, rebuilt only when the names in the database change.

    Building it reads 25,000 companies and indexes 33,000 names (a second); checking the
    version is one cheap aggregate per table, so an editor's new company is found by the
    very next extraction.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.version: tuple | None = None
        self.finder: NameFinder | None = None
        self.builds = 0

    def get(self) -> NameFinder:
        version = gazetteer_version()  # read before the names: a later change rebuilds
        with self.lock:
            if self.finder is None or version != self.version:
                self.finder = NameFinder(gazetteer_from_database())
                self.version = version
                self.builds += 1
            return self.finder

    def clear(self) -> None:
        with self.lock:
            self.version = self.finder = None


_finder_cache = _FinderCache()


def name_finder() -> NameFinder:
    """The extractor's name finder for what the database knows now, built once per process."""
    return _finder_cache.get()


def _find_by_name(model, name: str, fields: tuple[str, str]):
    """The row whose name or short name is ``name``, ignoring case; None if none is."""
    name = (name or "").strip()
    if not name:
        return None
    match = Q(**{f"{fields[0]}__iexact": name}) | Q(**{f"{fields[1]}__iexact": name})
    return model.objects.filter(match).order_by("id").first()


def authority_find_by_name(name: str) -> Authority | None:
    return _find_by_name(Authority, name, ("name", "abbreviation"))


def law_find_by_name(name: str) -> Law | None:
    return _find_by_name(Law, name, ("short_name", "full_name"))


def articles_stuck(now: datetime.datetime, older_than: datetime.timedelta) -> QuerySet[Article]:
    """Articles left waiting for a step longer than it should ever take."""
    return Article.objects.filter(
        status__in=[ArticleStatus.NEW, ArticleStatus.FETCHED],
        status_changed_at__lt=now - older_than,
    ).order_by("status_changed_at")


def findings_pending() -> QuerySet[Finding]:
    return Finding.objects.pending().select_related("article", "company", "authority", "law")
