"""The public FilterSets for settlements, violations, lawsuits and the company list.

The list pages, their CSV and Atom exports and the API all filter through these classes, so
one URL means the same rows everywhere. Every parameter is validated: bad input becomes an
error on its field (``filterset.errors``) and an empty result, never a silently wider one.
``FilterSet.parameter_names()`` lists what each accepts.

Amounts are compared in US dollars through the approximate ``amount_usd`` value, so that
``amount_min=1000000`` means the same across currencies.
"""

import copy

import django_filters
from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from cases.models import (
    Authority,
    Law,
    Lawsuit,
    LawsuitDefendant,
    LawsuitKind,
    Settlement,
    Violation,
)
from companies.filters import (
    CompanyFilterSet,
    company_filter,
    company_name_matches,
    country_filter,
    text_filter,
)
from companies.models import Company
from core.filters import (
    AmountFilter,
    PublicFilterSet,
    SortFilter,
    YearFilter,
    ascending,
    choice_filter,
    descending,
    include_subsidiaries_filter,
)
from core.money import CURRENCY_CHOICES


def _defendant_name(lawsuit_ref: str):
    """The alphabetically first defendant of a lawsuit, to sort records by company."""
    names = (
        LawsuitDefendant.objects.filter(lawsuit=OuterRef(lawsuit_ref))
        .order_by("company__name")
        .values("company__name")[:1]
    )
    return Subquery(names)


def _defendant_matches(text: str, lawsuit_ref: str) -> Exists:
    return Exists(
        LawsuitDefendant.objects.filter(lawsuit=OuterRef(lawsuit_ref)).filter(
            company_name_matches(text, "company")
        )
    )


def settlement_text_matches(text: str) -> Q:
    """Settlements whose case, docket, summary, class or defendant (or alias) has text."""
    return (
        Q(lawsuit__title__icontains=text)
        | Q(lawsuit__docket_number__icontains=text)
        | Q(summary__icontains=text)
        | Q(class_description__icontains=text)
        | Q(_defendant_matches(text, "lawsuit"))
    )


def violation_text_matches(text: str) -> Q:
    """Violations whose description, authority or company (or alias) has text."""
    return (
        Q(description__icontains=text)
        | Q(authority__name__icontains=text)
        | Q(authority__abbreviation__iexact=text)
        | company_name_matches(text, "company")
    )


def lawsuit_text_matches(text: str) -> Q:
    """Lawsuits whose title, summary, docket, plaintiffs or defendant (or alias) has text."""
    return (
        Q(title__icontains=text)
        | Q(summary__icontains=text)
        | Q(docket_number__icontains=text)
        | Q(plaintiffs__icontains=text)
        | Q(_defendant_matches(text, "pk"))
    )


def currency_filter(label: str, **kwargs) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        label=label,
        choices=CURRENCY_CHOICES,
        empty_label="Any currency",
        error_messages={"invalid_choice": "Use a three-letter currency code such as USD or EUR."},
        **kwargs,
    )


def _orders(date_field: str, amount_field: str, company_expression) -> dict:
    return {
        "-date": ("Newest first", [descending(date_field), "-pk"]),
        "date": ("Oldest first", [ascending(date_field), "pk"]),
        "-amount": ("Largest amount first", [descending(amount_field), "-pk"]),
        "amount": ("Smallest amount first", [ascending(amount_field), "pk"]),
        "company": ("Company A–Z", [company_expression.asc(nulls_last=True), "-pk"]),
        "-company": ("Company Z–A", [company_expression.desc(nulls_last=True), "-pk"]),
    }


class RecordFilterSet(PublicFilterSet):
    """Parameters every record list shares; subclasses say where each one looks.

    ``paths`` maps a parameter to the field it compares (``year`` and its range use the
    record's leading date).
    """

    paths: dict[str, str] = {}

    q = text_filter(label="Words", help_text="Words in the title, description or company name.")
    company = company_filter()
    include_subsidiaries = include_subsidiaries_filter()
    year = YearFilter(label="Year")
    year_from = YearFilter(label="From year", bound="from")
    year_to = YearFilter(label="To year", bound="to")
    amount_min = AmountFilter(
        label="Minimum amount (USD)", lookup_expr="gte", help_text="Approximate US dollars."
    )
    amount_max = AmountFilter(
        label="Maximum amount (USD)", lookup_expr="lte", help_text="Approximate US dollars."
    )
    currency = currency_filter("Currency")
    authority = django_filters.ModelChoiceFilter(
        label="Court or authority",
        queryset=Authority.objects.published(),
        to_field_name="slug",
        empty_label="Any court or authority",
        error_messages={
            "invalid_choice": "No published court or authority has the short name “%(value)s”."
        },
    )
    law = django_filters.ModelChoiceFilter(
        label="Law",
        queryset=Law.objects.published(),
        to_field_name="slug",
        empty_label="Any law",
        error_messages={"invalid_choice": "No published law has the short name “%(value)s”."},
    )
    country = country_filter("country", "Country of the court or authority")

    class Meta(PublicFilterSet.Meta):
        fields = []

    @classmethod
    def get_filters(cls):
        """Point the shared parameters at this record's fields, on the class itself so that
        schema generators (drf-spectacular) see the real field of each parameter."""
        filters = super().get_filters()
        targets = {
            "year": "date",
            "year_from": "date",
            "year_to": "date",
            "amount_min": "amount",
            "amount_max": "amount",
            **{name: name for name in ("currency", "authority", "law", "country")},
        }
        for parameter, key in targets.items():
            if key in cls.paths and parameter in filters:
                # Declared filters are shared with the base class: never change them in place.
                filters[parameter] = copy.deepcopy(filters[parameter])
                filters[parameter].field_name = cls.paths[key]
        return filters

    def filter_company(self, queryset: QuerySet, name: str, company: Company) -> QuerySet:
        return queryset.for_company(company, include_family=self.include_subsidiaries)

    def apply_default_order(self, queryset: QuerySet) -> QuerySet:
        if self.is_bound and self.form.cleaned_data.get("sort"):
            return queryset
        return queryset.order_by(descending(self.paths["date"]), "-pk")


class SettlementFilterSet(RecordFilterSet):
    paths = {
        "date": "announced_on",
        "amount": "amount_usd",
        "currency": "currency",
        "authority": "lawsuit__authority",
        "law": "lawsuit__laws",
        "country": "lawsuit__authority__country",
    }

    kind = choice_filter("Kind of case", LawsuitKind, "Any kind", field_name="lawsuit__kind")
    status = choice_filter("Status", Settlement.Status, "Any status")
    sort = SortFilter(orders=_orders("announced_on", "amount_usd", _defendant_name("lawsuit")))

    class Meta(RecordFilterSet.Meta):
        model = Settlement

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(settlement_text_matches(value.strip()))


class ViolationFilterSet(RecordFilterSet):
    paths = {
        "date": "decided_on",
        "amount": "amount_usd",
        "currency": "currency",
        "authority": "authority",
        "law": "laws",
        "country": "authority__country",
    }

    kind = choice_filter("Kind of penalty", Violation.Kind, "Any kind")
    status = choice_filter("Status", Violation.Status, "Any status")
    sort = SortFilter(orders=_orders("decided_on", "amount_usd", F("company__name")))

    class Meta(RecordFilterSet.Meta):
        model = Violation

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(violation_text_matches(value.strip()))


SETTLED_USD = "settled_usd"


def with_settled_usd(queryset: QuerySet[Lawsuit]) -> QuerySet[Lawsuit]:
    """Annotate each lawsuit with the approximate USD total of its published settlements."""
    if SETTLED_USD in queryset.query.annotations:
        return queryset
    total = (
        Settlement.objects.published()
        .filter(lawsuit=OuterRef("pk"))
        .order_by()
        .values("lawsuit")
        .annotate(total=Sum("amount_usd"))
        .values("total")
    )
    return queryset.annotate(
        **{
            SETTLED_USD: Coalesce(
                Subquery(total, output_field=DecimalField(max_digits=22, decimal_places=2)),
                Value(0),
                output_field=DecimalField(max_digits=22, decimal_places=2),
            )
        }
    )


class LawsuitFilterSet(RecordFilterSet):
    """Lawsuits; amounts and currency refer to their published settlements."""

    paths = {
        "date": "filed_on",
        "amount": SETTLED_USD,
        "authority": "authority",
        "law": "laws",
        "country": "authority__country",
    }

    amount_min = AmountFilter(
        label="Settled for at least (USD)",
        lookup_expr="gte",
        help_text="Approximate US dollars, all its published settlements together.",
    )
    amount_max = AmountFilter(
        label="Settled for at most (USD)",
        lookup_expr="lte",
        help_text="Approximate US dollars, all its published settlements together.",
    )
    currency = currency_filter("Currency of a settlement", method="filter_settlement_currency")
    kind = choice_filter("Kind of case", Lawsuit.Kind, "Any kind")
    status = choice_filter("Status", Lawsuit.Status, "Any status")
    sort = SortFilter(orders=_orders("filed_on", SETTLED_USD, _defendant_name("pk")))

    class Meta(RecordFilterSet.Meta):
        model = Lawsuit

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = Lawsuit.objects.all()
        super().__init__(data, with_settled_usd(queryset), **kwargs)

    def filter_settlement_currency(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        settlements = Settlement.objects.published().filter(lawsuit=OuterRef("pk"), currency=value)
        return queryset.filter(Exists(settlements))

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(lawsuit_text_matches(value.strip()))


class CompanyRecordFilterSet(CompanyFilterSet):
    """The company list with its record totals: amounts and sorting by what companies paid.

    Expects the queryset from ``cases.selectors.companies_with_totals``.
    """

    amount_min = AmountFilter(
        label="Paid at least (USD)",
        field_name="total_usd",
        lookup_expr="gte",
        help_text="Approximate US dollars, settlements and penalties together.",
    )
    amount_max = AmountFilter(
        label="Paid at most (USD)",
        field_name="total_usd",
        lookup_expr="lte",
        help_text="Approximate US dollars, settlements and penalties together.",
    )
    sort = SortFilter(
        orders={
            "name": ("Name A–Z", [ascending("name"), "pk"]),
            "-name": ("Name Z–A", [descending("name"), "-pk"]),
            "-amount": ("Most paid first", [descending("total_usd"), "name"]),
            "amount": ("Least paid first", [ascending("total_usd"), "name"]),
            "-records": ("Most records first", [descending("record_count"), "name"]),
        }
    )


class AuthorityFilterSet(PublicFilterSet):
    """Courts, regulators and other authorities (the API's authority list)."""

    q = text_filter(label="Name or abbreviation")
    kind = django_filters.ChoiceFilter(
        label="Kind of authority",
        choices=Authority.Kind.choices,
        empty_label="Any kind",
        error_messages={"invalid_choice": "Use one of: " + ", ".join(Authority.Kind.values) + "."},
    )
    country = country_filter("country", "Country")
    sort = SortFilter(
        orders={
            "name": ("Name A–Z", [ascending("name"), "pk"]),
            "-name": ("Name Z–A", [descending("name"), "-pk"]),
        }
    )

    class Meta(PublicFilterSet.Meta):
        model = Authority
        fields = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        return queryset.filter(Q(name__icontains=text) | Q(abbreviation__icontains=text))

    def apply_default_order(self, queryset: QuerySet) -> QuerySet:
        if self.is_bound and self.form.cleaned_data.get("sort"):
            return queryset
        return queryset.order_by("name", "pk")


class LawFilterSet(PublicFilterSet):
    """Laws (the API's law list)."""

    q = text_filter(label="Name or citation")
    jurisdiction = django_filters.CharFilter(
        label="Jurisdiction",
        max_length=20,
        method="filter_jurisdiction",
        help_text="An ISO code such as US, US-IL, EU or FR; US also finds US-IL.",
        error_messages={"max_length": "Use a jurisdiction code such as US, US-IL or EU."},
    )
    sort = SortFilter(
        orders={
            "name": ("Short name A–Z", [ascending("short_name"), "pk"]),
            "-name": ("Short name Z–A", [descending("short_name"), "-pk"]),
        }
    )

    class Meta(PublicFilterSet.Meta):
        model = Law
        fields = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        return queryset.filter(
            Q(short_name__icontains=text)
            | Q(full_name__icontains=text)
            | Q(citation__icontains=text)
        )

    def filter_jurisdiction(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        code = value.strip().upper()
        return queryset.filter(Q(jurisdiction=code) | Q(jurisdiction__startswith=f"{code}-"))

    def apply_default_order(self, queryset: QuerySet) -> QuerySet:
        if self.is_bound and self.form.cleaned_data.get("sort"):
            return queryset
        return queryset.order_by("short_name", "pk")
