"""Reads the import pipeline needs: what the database knows by name, and what is stuck."""

import datetime
import threading
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from articles.extraction import Gazetteer, NameFinder
from articles.models import Article, ArticleStatus, Finding
from cases.models import Authority, Law
from companies.models import Company, CompanyAlias
from companies.selectors import company_find_by_name


def gazetteer_from_database() -> Gazetteer:
    """Companies with their aliases, authorities and laws, for the extractor."""
    return _read_names().gazetteer


GAZETTEER_MODELS = (Company, CompanyAlias, Authority, Law)


def gazetteer_version() -> tuple:
    """Changes whenever a company, alias, authority or law is added, saved or deleted.

    Every row is a TimeStampedModel: a save moves max(updated_at), a delete lowers the
    count, an insert (also a bulk one, which sets updated_at too) does both. One query.
    """
    columns = ", ".join(
        f"(SELECT COUNT(*) FROM {table}), (SELECT MAX(updated_at) FROM {table})"
        for table in (connection.ops.quote_name(m._meta.db_table) for m in GAZETTEER_MODELS)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")  # table names from the models, no input
        return tuple(cursor.fetchone())


class _NameIds:
    """Upper-cased name -> ids of the rows that have it (as ``iexact`` compares)."""

    def __init__(self, rows):
        self.ids: dict[str, set[int]] = {}
        for pk, *names in rows:
            for name in names:
                if name:
                    self.ids.setdefault(name.strip().upper(), set()).add(pk)

    def get(self, name: str) -> set[int]:
        return self.ids.get((name or "").strip().upper(), set())


@dataclass
class KnownNames:
    """One consistent read of the names in the database: the extractor's finder, and the
    rows a proposed company, authority or law name designates, without a query per name."""

    gazetteer: Gazetteer
    companies: _NameIds
    authorities: _NameIds
    laws: _NameIds
    finder: NameFinder | None = None

    def company(self, name: str) -> Company | None:
        """As company_find_by_name, from memory; the database decides only a tie."""
        ids = self.companies.get(name)
        if len(ids) == 1:
            found = Company.objects.filter(pk=next(iter(ids))).first()
            if found is not None:
                return found
        return company_find_by_name(name) if ids else None

    def authority(self, name: str) -> Authority | None:
        ids = self.authorities.get(name)
        return Authority.objects.filter(pk__in=ids).order_by("id").first() if ids else None

    def law(self, name: str) -> Law | None:
        ids = self.laws.get(name)
        return Law.objects.filter(pk__in=ids).order_by("id").first() if ids else None


def _read_names() -> KnownNames:
    company_rows = list(Company.objects.values_list("pk", "name"))
    alias_rows = list(CompanyAlias.objects.values_list("company_id", "name"))
    authority_rows = list(Authority.objects.values_list("pk", "name", "abbreviation"))
    law_rows = list(Law.objects.values_list("pk", "short_name", "full_name"))
    aliases: dict[int, list[str]] = {}
    for company_id, name in alias_rows:
        aliases.setdefault(company_id, []).append(name)
    gazetteer = Gazetteer(
        companies={name: tuple(aliases.get(pk, ())) for pk, name in company_rows},
        authorities=[(name, abbreviation) for _, name, abbreviation in authority_rows],
        laws=[(short, full) for _, short, full in law_rows],
    )
    return KnownNames(
        gazetteer=gazetteer,
        companies=_NameIds(company_rows + alias_rows),
        authorities=_NameIds(authority_rows),
        laws=_NameIds(law_rows),
    )


class _KnownNamesCache:
    """One KnownNames per process, read again only when the names in the database change.

    Reading 25,000 companies and indexing 33,000 names takes about a second; checking the
    version is one query, so an editor's new company is found by the very next extraction.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.version: tuple | None = None
        self.names: KnownNames | None = None
        self.builds = 0

    def get(self) -> KnownNames:
        version = gazetteer_version()  # read before the names: a later change rebuilds
        with self.lock:
            if self.names is None or version != self.version:
                names = _read_names()
                names.finder = NameFinder(names.gazetteer)
                self.names, self.version = names, version
                self.builds += 1
            return self.names

    def clear(self) -> None:
        with self.lock:
            self.version = self.names = None


_known_names_cache = _KnownNamesCache()


def known_names() -> KnownNames:
    """What the database knows by name now, built once per process (see the cache above)."""
    return _known_names_cache.get()


def name_finder() -> NameFinder:
    """The extractor's name finder for what the database knows now."""
    return known_names().finder


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
