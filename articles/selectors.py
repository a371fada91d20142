"""Reads the import pipeline needs: what the database knows by name, and what is stuck."""

import datetime

from django.db.models import Q, QuerySet

from articles.extraction import Gazetteer
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
