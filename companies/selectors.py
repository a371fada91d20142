"""Reads about companies that pages, the API and the import pipeline share."""

from django.db.models import Q, QuerySet

from companies.models import Company


def company_family(company: Company) -> QuerySet[Company]:
    """The company and all its descendants (a family rollup includes them all)."""
    return Company.objects.family_of(company)


def company_subsidiaries(company: Company) -> QuerySet[Company]:
    return company_family(company).exclude(pk=company.pk)


def company_find_by_name(name: str) -> Company | None:
    """The company a name or alias designates, ignoring case; None if no company has it."""
    name = name.strip()
    if not name:
        return None
    return (
        Company.objects.filter(Q(name__iexact=name) | Q(aliases__name__iexact=name))
        .distinct()
        .first()
    )
