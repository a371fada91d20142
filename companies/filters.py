"""FilterSet for the company list, and the company filter every record list shares."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from companies.models import Company, CompanyAlias, family_ids_expression
from core.countries import COUNTRY_CHOICES
from core.filters import (
    PublicFilterSet,
    SortFilter,
    ascending,
    descending,
    include_subsidiaries_filter,
)


def company_filter(**kwargs) -> django_filters.ModelChoiceFilter:
    """``company=<slug>``: a published company, read from its slug; unknown slugs are errors."""
    kwargs.setdefault("method", "filter_company")
    kwargs.setdefault("label", "Company")
    kwargs.setdefault(
        "help_text", "The company's short name as in its address; subsidiaries are included."
    )
    return django_filters.ModelChoiceFilter(
        queryset=Company.objects.published(),
        to_field_name="slug",
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. tiktok", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={
            "invalid_choice": (
                "No published company has the short name “%(value)s”. Use the name in the "
                "company's address, e.g. tiktok for /companies/tiktok/."
            )
        },
        **kwargs,
    )


def country_filter(field_name: str, label: str) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        field_name=field_name,
        label=label,
        choices=COUNTRY_CHOICES,
        empty_label="Any country",
        error_messages={
            "invalid_choice": "Use a two-letter country code (ISO 3166-1), e.g. US or FR; "
            "EU for European Union bodies."
        },
    )


def text_filter(method: str = "filter_text", **kwargs) -> django_filters.CharFilter:
    kwargs.setdefault("label", "Words")
    return django_filters.CharFilter(
        method=method,
        max_length=200,
        error_messages={"max_length": "Search for at most 200 characters."},
        widget=forms.TextInput(attrs={"type": "search"}),
        **kwargs,
    )


def company_name_matches(text: str, company: str = "") -> Q:
    """Rows whose company (``company`` is the path to it, "" for Company itself) has a name
    or an alias containing text, ignoring case."""
    prefix = f"{company}__" if company else ""
    aliases = CompanyAlias.objects.filter(company=OuterRef(company or "pk"), name__icontains=text)
    return Q(**{f"{prefix}name__icontains": text}) | Q(Exists(aliases))


class CompanyFilterSet(PublicFilterSet):
    """The company list: by name or alias, country, and within one company's family."""

    q = text_filter(label="Name or alias")
    company = company_filter(
        label="Within the family of",
        help_text="Only this company and, unless switched off, its subsidiaries.",
    )
    include_subsidiaries = include_subsidiaries_filter()
    country = country_filter("country", "Country")
    sort = SortFilter(
        orders={
            "name": ("Name A–Z", [ascending("name")]),
            "-name": ("Name Z–A", [descending("name")]),
        }
    )

    class Meta(PublicFilterSet.Meta):
        model = Company
        fields = []

    def filter_company(self, queryset: QuerySet, name: str, company: Company) -> QuerySet:
        if self.include_subsidiaries:
            return queryset.filter(id__in=family_ids_expression(company.pk))
        return queryset.filter(pk=company.pk)

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(company_name_matches(value.strip()))

    def apply_default_order(self, queryset: QuerySet) -> QuerySet:
        if not (self.is_bound and self.form.cleaned_data.get("sort")):
            return queryset.order_by("name", "pk")
        return queryset
