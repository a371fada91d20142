"""Reads for the public site (and the API): only what visitors may see, in constant queries.

A record is public when it is published and so are the records it cannot be shown without:
a settlement's lawsuit, a violation's company and authority. Secondary links (a lawsuit's
court, laws, co-defendants, related lawsuits) are shown only where they are published too.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear

from cases.filters import (
    lawsuit_text_matches,
    settlement_text_matches,
    violation_text_matches,
    with_settled_usd,
)
from cases.models import (
    Authority,
    Law,
    Lawsuit,
    LawsuitDefendant,
    LawsuitKind,
    LawsuitRelation,
    Settlement,
    Source,
    Violation,
)
from cases.selectors import Totals, YearRecord, totals
from companies.filters import company_name_matches
from companies.models import Company, CompanyAlias
from core.countries import COUNTRY_NAMES
from core.dates import format_precise_date

MONEY = DecimalField(max_digits=22, decimal_places=2)


# --- Published querysets -------------------------------------------------------------------


def published_defendants(lookup: str = "defendant_links") -> Prefetch:
    """A lawsuit's published defendants, by name, as ``lawsuit.public_defendants``."""
    return Prefetch(
        lookup,
        queryset=LawsuitDefendant.objects.filter(company__is_published=True)
        .select_related("company")
        .order_by("company__name"),
        to_attr="public_defendants",
    )


def public_lawsuits() -> QuerySet[Lawsuit]:
    return (
        with_settled_usd(Lawsuit.objects.published())
        .select_related("authority")
        .prefetch_related(published_defendants())
    )


def public_settlements() -> QuerySet[Settlement]:
    return (
        Settlement.objects.published()
        .filter(lawsuit__is_published=True)
        .select_related("lawsuit", "lawsuit__authority")
        .prefetch_related(published_defendants("lawsuit__defendant_links"))
    )


def public_violations() -> QuerySet[Violation]:
    return (
        Violation.objects.published()
        .filter(company__is_published=True, authority__is_published=True)
        .select_related("company", "authority")
    )


def public_companies() -> QuerySet[Company]:
    return Company.objects.published()


def _sum_of(queryset: QuerySet, outer: str) -> Subquery:
    """The approximate USD sum of published records pointing at the outer row."""
    total = queryset.order_by().values(outer).annotate(total=Sum("amount_usd")).values("total")
    return Coalesce(Subquery(total, output_field=MONEY), Value(0), output_field=MONEY)


def _count_of(queryset: QuerySet, outer: str) -> Subquery:
    count = queryset.order_by().values(outer).annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


def companies_with_totals() -> QuerySet[Company]:
    """Published companies with their own records' counts and approximate USD totals.

    Settlements count for every defendant of their lawsuit. Family totals are on the
    company page: here each row is the company's own record so that rows add up.
    """
    settlements = Settlement.objects.published().filter(
        lawsuit__is_published=True, lawsuit__defendant_links__company=OuterRef("pk")
    )
    violations = public_violations().filter(company=OuterRef("pk"))
    lawsuits = Lawsuit.objects.published().filter(defendant_links__company=OuterRef("pk"))
    return (
        public_companies()
        .select_related("parent")
        .annotate(
            lawsuit_count=_count_of(lawsuits, "defendant_links__company"),
            settlement_count=_count_of(settlements, "lawsuit__defendant_links__company"),
            settlements_usd=_sum_of(settlements, "lawsuit__defendant_links__company"),
            violation_count=_count_of(violations, "company"),
            violations_usd=_sum_of(violations, "company"),
        )
        .annotate(
            total_usd=F("settlements_usd") + F("violations_usd"),
            record_count=F("lawsuit_count") + F("settlement_count") + F("violation_count"),
        )
    )


# --- Facets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Facet:
    parameter: str
    title: str
    values: list[FacetValue]


@dataclass(frozen=True)
class FacetSpec:
    """How to count one facet: the parameter it sets, the field grouped on, and labels."""

    parameter: str
    title: str
    path: str
    label_path: str | None = None
    choices: dict | None = None
    is_year: bool = False
    limit: int = 12
    published: str = ""  # path to an is_published flag the value must have, e.g. an authority


def facet_counts(queryset: QuerySet, specs: list[FacetSpec]) -> list[Facet]:
    """One grouped count per facet over the filtered rows, most frequent values first.

    Counts are plain COUNTs, not COUNT(DISTINCT): a filtered list never repeats a row (its
    filters use EXISTS, and ``totals`` sums the same rows), and a facet path crosses at most
    one link row per record and value. DISTINCT made PostgreSQL sort every group.
    """
    facets = []
    for spec in specs:
        rows = queryset.order_by()
        if spec.published:
            rows = rows.filter(**{spec.published: True})
        if spec.is_year:
            rows = rows.exclude(**{f"{spec.path}__isnull": True}).annotate(
                facet_value=ExtractYear(spec.path)
            )
            rows = rows.values("facet_value").annotate(count=Count("pk"))
            rows = rows.order_by("-facet_value")
            values = [
                FacetValue(str(row["facet_value"]), str(row["facet_value"]), row["count"])
                for row in rows
            ]
        else:
            fields = [spec.path] + ([spec.label_path] if spec.label_path else [])
            rows = rows.exclude(**{f"{spec.path}__isnull": True}).values(*fields)
            rows = rows.annotate(count=Count("pk")).order_by("-count", spec.path)
            values = []
            for row in rows[: spec.limit]:
                value = row[spec.path]
                if spec.label_path:
                    label = row[spec.label_path]
                elif spec.choices:
                    label = spec.choices.get(value, value)
                else:
                    label = value
                values.append(FacetValue(str(value), str(label), row["count"]))
        facets.append(Facet(spec.parameter, spec.title, values))
    return facets


SETTLEMENT_FACETS = [
    FacetSpec("year", "Year announced", "announced_on", is_year=True),
    FacetSpec(
        "authority",
        "Court or authority",
        "lawsuit__authority__slug",
        "lawsuit__authority__name",
        published="lawsuit__authority__is_published",
    ),
    FacetSpec("kind", "Kind of case", "lawsuit__kind", choices=dict(LawsuitKind.choices)),
    FacetSpec("status", "Status", "status", choices=dict(Settlement.Status.choices)),
    FacetSpec("currency", "Currency", "currency"),
]
VIOLATION_FACETS = [
    FacetSpec("year", "Year decided", "decided_on", is_year=True),
    FacetSpec("authority", "Authority", "authority__slug", "authority__name"),
    FacetSpec("kind", "Kind of penalty", "kind", choices=dict(Violation.Kind.choices)),
    FacetSpec("country", "Country", "authority__country", choices=COUNTRY_NAMES),
    FacetSpec("currency", "Currency", "currency"),
]
LAWSUIT_FACETS = [
    FacetSpec("year", "Year filed", "filed_on", is_year=True),
    FacetSpec(
        "authority",
        "Court or authority",
        "authority__slug",
        "authority__name",
        published="authority__is_published",
    ),
    FacetSpec("kind", "Kind of case", "kind", choices=dict(Lawsuit.Kind.choices)),
    FacetSpec("status", "Status", "status", choices=dict(Lawsuit.Status.choices)),
]
COMPANY_FACETS = [
    FacetSpec("country", "Country", "country", choices=COUNTRY_NAMES),
]


# --- Detail pages ----------------------------------------------------------------------------


def published_sources() -> Prefetch:
    return Prefetch("sources", queryset=Source.objects.order_by("-published_on", "title"))


def published_laws() -> Prefetch:
    return Prefetch("laws", queryset=Law.objects.published().order_by("short_name"))


def lawsuit_for_page(slug: str) -> Lawsuit | None:
    return (
        public_lawsuits()
        .prefetch_related(published_laws(), published_sources())
        .filter(slug=slug)
        .first()
    )


@dataclass(frozen=True)
class TimelineEvent:
    date: object
    precision: str
    text: str
    url: str = ""

    @property
    def date_display(self) -> str:
        return format_precise_date(self.date, self.precision)


@dataclass(frozen=True)
class RelatedLawsuit:
    lawsuit: Lawsuit
    relation: str


@dataclass
class LawsuitPage:
    lawsuit: Lawsuit
    settlements: list[Settlement]
    violations: list[Violation]
    related: list[RelatedLawsuit]
    timeline: list[TimelineEvent] = field(default_factory=list)


def lawsuit_page(lawsuit: Lawsuit) -> LawsuitPage:
    """The lawsuit with its settlements, penalties, related cases and a dated timeline."""
    settlements = list(
        Settlement.objects.published()
        .filter(lawsuit=lawsuit)
        .prefetch_related(published_sources())
        .order_by(F("announced_on").asc(nulls_last=True), "pk")
    )
    violations = list(public_violations().filter(lawsuit=lawsuit).order_by("decided_on", "pk"))
    related = []
    outgoing = LawsuitRelation.objects.filter(
        from_lawsuit=lawsuit, to_lawsuit__is_published=True
    ).select_related("to_lawsuit")
    for relation in outgoing:
        related.append(RelatedLawsuit(relation.to_lawsuit, relation.get_kind_display()))
    incoming = LawsuitRelation.objects.filter(
        to_lawsuit=lawsuit, from_lawsuit__is_published=True
    ).select_related("from_lawsuit")
    for relation in incoming:
        text = f"{relation.get_kind_display()} (this case)"
        related.append(RelatedLawsuit(relation.from_lawsuit, text))

    events = []
    if lawsuit.filed_on:
        events.append(TimelineEvent(lawsuit.filed_on, lawsuit.filed_on_precision, "Filed"))
    for settlement in settlements:
        url = settlement.get_absolute_url()
        if settlement.announced_on:
            events.append(
                TimelineEvent(
                    settlement.announced_on,
                    settlement.announced_on_precision,
                    f"Settlement of {settlement.amount_display} announced",
                    url,
                )
            )
        if settlement.approved_on:
            events.append(
                TimelineEvent(
                    settlement.approved_on,
                    settlement.approved_on_precision,
                    f"Settlement of {settlement.amount_display} approved",
                    url,
                )
            )
        if settlement.claim_deadline:
            events.append(TimelineEvent(settlement.claim_deadline, "day", "Claim deadline", url))
    for violation in violations:
        events.append(
            TimelineEvent(
                violation.decided_on,
                violation.decided_on_precision,
                f"{violation.get_kind_display()} of {violation.amount_display} "
                f"imposed by {violation.authority}",
                violation.get_absolute_url(),
            )
        )
    events.sort(key=lambda event: event.date)
    return LawsuitPage(lawsuit, settlements, violations, related, events)


def settlement_for_page(pk: int) -> Settlement | None:
    return (
        public_settlements()
        .prefetch_related(
            published_sources(), Prefetch("lawsuit__laws", queryset=Law.objects.published())
        )
        .filter(pk=pk)
        .first()
    )


def violation_for_page(pk: int) -> Violation | None:
    return (
        public_violations()
        .select_related("lawsuit", "company__parent")
        .prefetch_related(published_laws(), published_sources())
        .filter(pk=pk)
        .first()
    )


@dataclass
class RecordGroup:
    """Records shown on an authority, law or company page, with totals and a link to more."""

    settlements: list[Settlement]
    settlement_totals: Totals
    violations: list[Violation]
    violation_totals: Totals
    lawsuits: list[Lawsuit]
    lawsuit_count: int

    @property
    def usd_approximate(self) -> Decimal:
        return self.settlement_totals.usd_approximate + self.violation_totals.usd_approximate

    @property
    def is_empty(self) -> bool:
        counts = (self.lawsuit_count, self.settlement_totals.count, self.violation_totals.count)
        return not any(counts)


def record_group(
    settlements: QuerySet, violations: QuerySet, lawsuits: QuerySet, limit: int = 20
) -> RecordGroup:
    """The latest records of each kind (up to limit) and the totals of all of them."""
    return RecordGroup(
        settlements=list(
            settlements.order_by(F("announced_on").desc(nulls_last=True), "-pk")[:limit]
        ),
        settlement_totals=totals(settlements),
        violations=list(violations.order_by("-decided_on", "-pk")[:limit]),
        violation_totals=totals(violations),
        lawsuits=list(lawsuits.order_by(F("filed_on").desc(nulls_last=True), "-pk")[:limit]),
        lawsuit_count=lawsuits.count(),
    )


def authority_records(authority: Authority) -> RecordGroup:
    return record_group(
        public_settlements().filter(lawsuit__authority=authority),
        public_violations().filter(authority=authority),
        public_lawsuits().filter(authority=authority),
    )


def law_records(law: Law) -> RecordGroup:
    return record_group(
        public_settlements().filter(lawsuit__laws=law),
        public_violations().filter(laws=law),
        public_lawsuits().filter(laws=law),
    )


def company_records(company: Company, include_family: bool) -> RecordGroup:
    return record_group(
        public_settlements().for_company(company, include_family),
        public_violations().for_company(company, include_family),
        public_lawsuits().for_company(company, include_family),
    )


def company_years(company: Company, include_family: bool) -> list[YearRecord]:
    """The company's public settlements and penalties per year (approximate USD), oldest first."""
    settlements = {
        row.key: row
        for row in _grouped(
            public_settlements().for_company(company, include_family), "announced_on", year=True
        )
    }
    violations = {
        row.key: row
        for row in _grouped(
            public_violations().for_company(company, include_family), "decided_on", year=True
        )
    }
    none = StatRow("", "", 0, Decimal(0))
    return [
        YearRecord(
            year=int(year),
            settlements=settlements.get(year, none).count,
            settlements_usd=settlements.get(year, none).usd,
            violations=violations.get(year, none).count,
            violations_usd=violations.get(year, none).usd,
        )
        for year in sorted(settlements.keys() | violations.keys(), key=int)
    ]


@dataclass
class CompanyProfile:
    company: Company
    parent_chain: list[Company]
    subsidiaries: list[Company]
    family_size: int
    aliases: list[str]


def company_profile(company: Company) -> CompanyProfile:
    """Who owns the company and what it owns, only as far as those companies are public."""
    chain = [ancestor for ancestor in company.ancestors() if ancestor.is_published]
    family = list(
        Company.objects.published().family_of(company).exclude(pk=company.pk).order_by("name")
    )
    subsidiaries = [c for c in family if c.parent_id == company.pk]
    aliases = list(CompanyAlias.objects.filter(company=company).values_list("name", flat=True))
    return CompanyProfile(company, chain, subsidiaries, len(family), aliases)


# --- Home and stats --------------------------------------------------------------------------


@dataclass
class Overview:
    settlements: Totals
    violations: Totals
    lawsuit_count: int
    company_count: int
    latest_settlements: list[Settlement]
    latest_violations: list[Violation]

    @property
    def usd_approximate(self) -> Decimal:
        return self.settlements.usd_approximate + self.violations.usd_approximate


def overview(latest: int = 6) -> Overview:
    settlements = public_settlements()
    violations = public_violations()
    return Overview(
        settlements=totals(settlements),
        violations=totals(violations),
        lawsuit_count=Lawsuit.objects.published().count(),
        company_count=public_companies().count(),
        latest_settlements=list(settlements.order_by("-created_at", "-pk")[:latest]),
        latest_violations=list(violations.order_by("-created_at", "-pk")[:latest]),
    )


@dataclass(frozen=True)
class StatRow:
    key: str
    label: str
    count: int
    usd: Decimal
    url_parameter: str = ""


def _grouped(queryset: QuerySet, path: str, label_path: str | None = None, labels=None, year=False):
    rows = queryset.order_by()
    if year:
        rows = rows.exclude(**{f"{path}__isnull": True}).annotate(key=ExtractYear(path))
    else:
        rows = rows.exclude(**{f"{path}__isnull": True}).annotate(key=F(path))
    values = ["key"] + ([label_path] if label_path else [])
    rows = rows.values(*values).annotate(count=Count("pk"), usd=Sum("amount_usd"))
    result = []
    for row in rows:
        key = row["key"]
        label = row[label_path] if label_path else (labels or {}).get(key, key)
        result.append(StatRow(str(key), str(label), row["count"], row["usd"] or Decimal(0)))
    return result


@dataclass
class Stats:
    overview: Overview
    settlements_by_year: list[StatRow]
    violations_by_year: list[StatRow]
    violations_by_authority: list[StatRow]
    settlements_by_authority: list[StatRow]
    violations_by_law: list[StatRow]
    settlements_by_law: list[StatRow]
    violations_by_kind: list[StatRow]
    settlements_by_kind: list[StatRow]
    top_companies: list[Company]


def statistics(top: int = 10) -> Stats:
    """Counts and approximate USD sums by year, authority, law and kind; top companies."""
    settlements = public_settlements()
    violations = public_violations()

    def by_usd(rows):
        return sorted(rows, key=lambda r: (-r.usd, r.label))

    def by_year(queryset, path):
        return sorted(_grouped(queryset, path, year=True), key=lambda r: r.key)

    return Stats(
        overview=overview(),
        settlements_by_year=by_year(settlements, "announced_on"),
        violations_by_year=by_year(violations, "decided_on"),
        violations_by_authority=by_usd(_grouped(violations, "authority__slug", "authority__name")),
        settlements_by_authority=by_usd(
            _grouped(
                settlements.filter(lawsuit__authority__is_published=True),
                "lawsuit__authority__slug",
                "lawsuit__authority__name",
            )
        ),
        violations_by_law=by_usd(
            _grouped(violations.filter(laws__is_published=True), "laws__slug", "laws__short_name")
        ),
        settlements_by_law=by_usd(
            _grouped(
                settlements.filter(lawsuit__laws__is_published=True),
                "lawsuit__laws__slug",
                "lawsuit__laws__short_name",
            )
        ),
        violations_by_kind=by_usd(
            _grouped(violations, "kind", labels=dict(Violation.Kind.choices))
        ),
        settlements_by_kind=by_usd(
            _grouped(settlements, "lawsuit__kind", labels=dict(Lawsuit.Kind.choices))
        ),
        top_companies=list(
            companies_with_totals().filter(total_usd__gt=0).order_by("-total_usd", "name")[:top]
        ),
    )


# --- Search ----------------------------------------------------------------------------------


def uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@dataclass
class SearchResults:
    query: str
    companies: list[Company]
    lawsuits: list[Lawsuit]
    settlements: list[Settlement]
    violations: list[Violation]
    method: str

    @property
    def count(self) -> int:
        groups = (self.companies, self.lawsuits, self.settlements, self.violations)
        return sum(len(group) for group in groups)


SEARCH_LIMIT = 20
TRIGRAM_THRESHOLD = 0.3


def search(query: str, limit: int = SEARCH_LIMIT) -> SearchResults:
    """One search over companies (names, aliases), lawsuits, settlements and violations.

    On PostgreSQL: full-text search ranked by relevance, and trigram similarity so that a
    misspelt company name still finds it. Elsewhere: case-insensitive substring matching.
    """
    query = query.strip()
    if uses_postgres():
        return _search_postgres(query, limit)
    return _search_simple(query, limit)


def _search_simple(query: str, limit: int) -> SearchResults:
    """The same matching as the lists' ``q`` filter, newest first."""
    return SearchResults(
        query=query,
        companies=list(
            public_companies().filter(company_name_matches(query)).order_by("name")[:limit]
        ),
        lawsuits=list(
            public_lawsuits()
            .filter(lawsuit_text_matches(query))
            .order_by(F("filed_on").desc(nulls_last=True), "-pk")[:limit]
        ),
        settlements=list(
            public_settlements()
            .filter(settlement_text_matches(query))
            .order_by(F("announced_on").desc(nulls_last=True), "-pk")[:limit]
        ),
        violations=list(
            public_violations()
            .filter(violation_text_matches(query))
            .order_by("-decided_on", "-pk")[:limit]
        ),
        method="simple",
    )


def _search_postgres(query: str, limit: int) -> SearchResults:
    """Ranked full-text search over the stored documents, trigram similarity for companies.

    Each record's weighted document (its text and its companies' and authorities' names) is
    stored and GIN-indexed (cases/search_documents.py), so only matching rows are read and
    ranked. Companies are found through the trigram indexes on names and aliases.
    """
    from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity

    text = SearchQuery(query, search_type="websearch", config="english")

    def ranked(queryset):
        """The best ``limit`` matches: ids ranked first (a narrow sort), then their rows."""
        rank = SearchRank(F("search_document"), text)
        best = (
            queryset.filter(search_document=text)
            .annotate(rank=rank)
            .filter(rank__gt=0)
            .order_by("-rank", "-pk")
            .values("pk")[:limit]
        )
        return (
            queryset.filter(pk__in=best)
            .annotate(rank=rank)
            .defer("search_document")
            .order_by("-rank", "-pk")
        )

    alias_similarity = (
        CompanyAlias.objects.filter(company=OuterRef("pk"))
        .annotate(similarity=TrigramSimilarity("name", query))
        .order_by("-similarity")
        .values("similarity")[:1]
    )
    # Candidates come from the trigram indexes on names and aliases, one index scan each
    # (``%`` is similarity at least pg_trgm's threshold, 0.3 by default like
    # TRIGRAM_THRESHOLD; ``~*`` is the case-insensitive substring match, which unlike
    # UPPER(name) LIKE can use the index). In one OR the planner chose to compute similarity
    # for every company instead (0.4 s). The exact thresholds are then applied as before.
    candidates = (
        Company.objects.filter(name__trigram_similar=query)
        .values("pk")
        .union(
            Company.objects.filter(name__iregex=re.escape(query)).values("pk"),
            CompanyAlias.objects.filter(name__trigram_similar=query).values("company"),
        )
    )
    companies = (
        public_companies()
        .filter(pk__in=candidates)
        .annotate(
            name_similarity=TrigramSimilarity("name", query),
            alias_similarity=Coalesce(
                Subquery(alias_similarity, output_field=FloatField()),
                Value(0.0),
                output_field=FloatField(),
            ),
        )
        .filter(
            Q(name_similarity__gte=TRIGRAM_THRESHOLD)
            | Q(alias_similarity__gte=TRIGRAM_THRESHOLD)
            | Q(name__icontains=query)
        )
        .order_by(F("name_similarity").desc(), F("alias_similarity").desc(), "name")[:limit]
    )
    return SearchResults(
        query=query,
        companies=list(companies),
        lawsuits=list(ranked(public_lawsuits())),
        settlements=list(ranked(public_settlements())),
        violations=list(ranked(public_violations())),
        method="postgres",
    )
