"""Reads for the public site (and the API): only what visitors may see, in constant queries.

A record is public when it is published and so are the records it cannot be shown without:
a settlement's lawsuit, a violation's company and authority. Secondary links (a lawsuit's
court, laws, co-defendants, related lawsuits) are shown only where they are published too.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear

from cases import amount_bands, search_documents, summary
from cases.filters import (
    lawsuit_text_matches,
    settlement_text_matches,
    violation_text_matches,
    with_settled_usd,
)
from cases.models import (
    Authority,
    CompanyTotals,
    FamilySummary,
    Law,
    Lawsuit,
    LawsuitDefendant,
    LawsuitKind,
    LawsuitRelation,
    PublicSummary,
    Settlement,
    Source,
    SummaryGrain,
    Violation,
    company_ids,
)
from cases.selectors import Totals, YearRecord, per_currency, totals, totals_from_rows
from companies.filters import company_name_matches
from companies.models import Company, CompanyAlias
from core import parallel, prepared
from core.compiled import compiled
from core.countries import COUNTRY_NAMES
from core.dates import format_precise_date
from core.urls import detail_url

MONEY = DecimalField(max_digits=22, decimal_places=2)
# Newest penalties first, in the order of the index on decided_on (which is never NULL, so
# NULLS LAST changes nothing but lets PostgreSQL walk the index instead of sorting).
NEWEST_DECIDED = F("decided_on").desc(nulls_last=True)


# --- Published querysets -------------------------------------------------------------------


PUBLIC_DEFENDANTS = "public_defendants"


def published_defendants(lookup: str = "defendant_links") -> Prefetch:
    """A lawsuit's published defendants, by name, as ``lawsuit.public_defendants``."""
    return Prefetch(
        lookup,
        queryset=LawsuitDefendant.objects.filter(company__is_published=True)
        .select_related("company")
        .order_by("company__name"),
        to_attr=PUBLIC_DEFENDANTS,
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
    # The same facet read from ``PublicSummary``: its field, label and the grain holding it.
    summary_path: str = ""
    summary_label_path: str | None = None
    summary_grain: str = SummaryGrain.TOTALS
    summary_published: str = ""


def facet_counts(queryset: QuerySet, specs: list[FacetSpec]) -> list[Facet]:
    """One grouped count per facet over the filtered rows, most frequent values first.

    Counts are plain COUNTs, not COUNT(DISTINCT): a filtered list never repeats a row (its
    filters use EXISTS, and ``totals`` sums the same rows), and a facet path crosses at most
    one link row per record and value. DISTINCT made PostgreSQL sort every group.
    """
    return [_facet(queryset, spec, Count("pk"), summary=False) for spec in specs]


def _facet(rows: QuerySet, spec: FacetSpec, count, summary: bool) -> Facet:
    """A facet's values, counted over records or (``summary``) over ``PublicSummary`` rows."""
    path = spec.summary_path if summary else spec.path
    label_path = spec.summary_label_path if summary else spec.label_path
    published = spec.summary_published if summary else spec.published
    rows = rows.order_by()
    if published:
        rows = rows.filter(**{published: True})
    if spec.is_year:
        if summary:
            rows = rows.filter(year__gt=0).annotate(facet_value=F("year"))
        else:
            rows = rows.exclude(**{f"{path}__isnull": True}).annotate(facet_value=ExtractYear(path))
        rows = rows.values("facet_value").annotate(count=count).order_by("-facet_value")
        values = [
            FacetValue(str(row["facet_value"]), str(row["facet_value"]), row["count"])
            for row in rows
        ]
        return Facet(spec.parameter, spec.title, values)
    fields = [path] + ([label_path] if label_path else [])
    rows = rows.exclude(**{f"{path}__isnull": True}).values(*fields)
    rows = rows.annotate(count=count).order_by("-count", path)
    values = []
    for row in rows[: spec.limit]:
        value = row[path]
        if label_path:
            label = row[label_path]
        elif spec.choices:
            label = spec.choices.get(value, value)
        else:
            label = value
        values.append(FacetValue(str(value), str(label), row["count"]))
    return Facet(spec.parameter, spec.title, values)


# --- Lists' figures from the summaries -------------------------------------------------------

# Filters the summaries answer, and the grains that can answer each one.
SUMMARY_FILTERS = {
    "year": {SummaryGrain.TOTALS, SummaryGrain.AUTHORITY},
    "year_from": {SummaryGrain.TOTALS, SummaryGrain.AUTHORITY},
    "year_to": {SummaryGrain.TOTALS, SummaryGrain.AUTHORITY},
    "kind": {SummaryGrain.TOTALS},
    "status": {SummaryGrain.TOTALS},
    "currency": {SummaryGrain.TOTALS},
}
# Filters that never change a list's rows.
NEUTRAL_FILTERS = {"sort", "include_subsidiaries"}
# Amount ranges are answered by the band grains (``_figures_with_bands``).
AMOUNT_FILTERS = {
    "amount_min": {SummaryGrain.TOTALS, SummaryGrain.AUTHORITY},
    "amount_max": {SummaryGrain.TOTALS, SummaryGrain.AUTHORITY},
}
YEAR_FILTERS = ("year", "year_from", "year_to")
# The band grains answering a figure of an amount range: (with a year filter, without).
BAND_GRAINS = {
    SummaryGrain.TOTALS: (SummaryGrain.BAND, SummaryGrain.BAND_ALL_YEARS),
    SummaryGrain.AUTHORITY: (SummaryGrain.BAND_AUTHORITY, SummaryGrain.BAND_AUTHORITY_ALL_YEARS),
}


def _summary_filter(name: str, value) -> dict:
    return {
        "year": {"year": value},
        "year_from": {"year__gte": value},
        "year_to": {"year__lte": value, "year__gt": 0},
    }.get(name, {name: value})


@dataclass
class ListFigures:
    """A list's count, totals and facets; ``count`` None means: count the page's rows."""

    count: int | None
    totals: Totals | None
    facets: list[Facet]


def has_subsidiaries(company: Company) -> bool:
    """Whether the company has a subsidiary (published or not), so a family summary."""
    return len(company_ids(company, include_family=True)) > 1


@dataclass
class SummarySource:
    """The summary rows that answer a filtered list, and the grains that can."""

    rows: QuerySet
    grains: set
    active: dict
    family: bool
    amount_range: bool  # answered by the band grains (``_figures_with_bands``)


def _summary_source(
    record_type: str, cleaned_data: dict, money: bool = True
) -> SummarySource | None:
    """The summary rows matching a list's filters, or None when the summaries cannot answer.

    Without a company: ``PublicSummary``, an amount range through its band grains. With a
    company whose family is included and has subsidiaries: that family's ``FamilySummary``
    (which has no bands). Either way only when every other filter in use is one the
    summaries cover (years, kind, status, currency).
    """
    active = {
        name: value
        for name, value in cleaned_data.items()
        if value not in (None, "") and name not in NEUTRAL_FILTERS
    }
    company = active.pop("company", None)
    grains = {SummaryGrain.TOTALS, SummaryGrain.AUTHORITY}
    amounts = AMOUNT_FILTERS if money else {}  # bands are of records' own USD values
    for name in active:
        grains &= SUMMARY_FILTERS.get(name, amounts.get(name, set()))
    if not grains:
        return None
    amount_range = any(name in amounts for name in active)
    if company is not None and (amount_range or cleaned_data.get("include_subsidiaries") == "0"):
        return None
    summary.settle()
    if company is None:
        rows = PublicSummary.objects.filter(record_type=record_type)
    elif has_subsidiaries(company):
        rows = FamilySummary.objects.filter(company=company, record_type=record_type)
    else:
        return None  # one company's rows are few: counted from the rows
    filters = {}
    for name, value in active.items():
        if name not in AMOUNT_FILTERS:
            filters |= _summary_filter(name, value)
    return SummarySource(rows.filter(**filters), grains, active, company is not None, amount_range)


def list_count(record_type: str, cleaned_data: dict) -> int | None:
    """A filtered list's number of rows from the summaries, or None when they cannot say."""
    source = _summary_source(record_type, cleaned_data)
    if source is None or source.amount_range:
        return None  # an amount range's count adds records of partial bands: the rows say
    totals_rows = source.rows.filter(grain=SummaryGrain.TOTALS).order_by()
    return totals_rows.aggregate(count=Sum("record_count"))["count"] or 0


def list_figures(
    record_type: str, rows: QuerySet, cleaned_data: dict, specs: list[FacetSpec], money: bool
) -> ListFigures:
    """Count, totals and facets of a filtered list, from the summaries where they can answer.

    Each figure comes from ``PublicSummary`` (or, for a company family, ``FamilySummary``)
    when every filter in use is one its grain covers (years, kind, status, currency; an
    amount range through the band grains, see ``_figures_with_bands``), else from the
    filtered rows themselves, so a figure is always the one the rows would give.
    """
    source = _summary_source(record_type, cleaned_data, money)
    if source is None:
        return _figures_from_rows(rows, specs, money)
    if source.amount_range:
        return _figures_with_bands(record_type, rows, source.active, source.grains, specs, money)
    base, grains, active = source.rows, source.grains, source.active
    totals_rows = base.filter(grain=SummaryGrain.TOTALS)
    figures = totals_from_rows(_summary_totals(totals_rows))
    facets = []
    every_year = not any(name in active for name in YEAR_FILTERS)
    for spec in specs:
        if spec.summary_grain in grains:
            grain = spec.summary_grain
            if every_year and grain == SummaryGrain.AUTHORITY and not source.family:
                grain = SummaryGrain.AUTHORITY_ALL_YEARS  # 400 rows instead of 10,000
            rows_of_grain = base.filter(grain=grain)
            facets.append(_facet(rows_of_grain, spec, Sum("record_count"), summary=True))
        else:
            facets.append(_facet(rows, spec, Count("pk"), summary=False))
    return ListFigures(figures.count, figures if money else None, facets)


def _figures_with_bands(
    record_type: str,
    rows: QuerySet,
    active: dict,
    grains: set[str],
    specs: list[FacetSpec],
    money: bool,
) -> ListFigures:
    """Figures of a list filtered by an amount range (and years, kind, status, currency).

    The bands wholly inside the range are read from the band grains of ``PublicSummary``;
    the records of the partial bands at either end (at most a band each) are read once, by
    an index range scan on ``amount_usd``, and added in. Every figure is the sum of the
    two, so it equals what the rows would give. A facet whose grain the other filters rule
    out (authority and country under kind, status or currency) is counted from the rows.
    """
    # With no band inside the range, an empty interval of bands: the same queries run.
    bands = amount_bands.full_bands(active.get("amount_min"), active.get("amount_max"))
    low, high = bands or (Decimal(0), Decimal(0))
    edges = [rows.filter(amount_usd__lt=low)]
    summary_rows = PublicSummary.objects.filter(record_type=record_type, amount_band__gte=low)
    if high is not None:
        edges.append(rows.filter(amount_usd__gte=high))
        summary_rows = summary_rows.filter(amount_band__lt=high)
    for name, value in active.items():
        if name not in AMOUNT_FILTERS:
            summary_rows = summary_rows.filter(**_summary_filter(name, value))
    by_rows = [spec for spec in specs if spec.summary_grain not in grains]
    by_bands = [spec for spec in specs if spec.summary_grain in grains]
    edge_rows = _edge_rows(edges, by_bands)

    currencies: dict[str, dict] = {}
    for row in _summary_totals(summary_rows.filter(grain=_band_grain(None, active))):
        currencies[row["currency"]] = dict(row)
    for row in edge_rows:
        total = currencies.setdefault(
            row["currency"],
            {"currency": row["currency"], "count": 0, "total": None, "usd": None, "usd_known": 0},
        )
        total["count"] += 1
        total["total"] = (total["total"] or 0) + row["amount"]
        if row["amount_usd"] is not None:
            total["usd"] = (total["usd"] or 0) + row["amount_usd"]
            total["usd_known"] += 1
    figures = totals_from_rows([currencies[code] for code in sorted(currencies)])

    facets = {}
    for spec in by_bands:
        edge_counts: dict[tuple, int] = {}
        for row in edge_rows:
            key = _facet_key(spec, row)
            if key is not None:
                edge_counts[key] = edge_counts.get(key, 0) + 1
        of_grain = summary_rows.filter(grain=_band_grain(spec, active))
        facets[spec.parameter] = _merged_facet(of_grain, spec, edge_counts)
    for spec in by_rows:
        facets[spec.parameter] = _facet(rows, spec, Count("pk"), summary=False)
    return ListFigures(
        figures.count, figures if money else None, [facets[spec.parameter] for spec in specs]
    )


def _band_grain(spec: FacetSpec | None, active: dict) -> str:
    """The band grain holding a figure of an amount range (``spec`` None: the totals).

    Without a year filter, the rows of all years together: the per-year band rows inside a
    range are tens of thousands at a million records, their sums over the years hundreds.
    The year facet needs years: by year and band alone, unless a kind, status or currency
    filter needs the band grain's other dimensions.
    """
    if spec is not None and spec.is_year:
        if all(name in AMOUNT_FILTERS or name in YEAR_FILTERS for name in active):
            return SummaryGrain.BAND_YEAR
        return SummaryGrain.BAND
    by_year, all_years = BAND_GRAINS[SummaryGrain.TOTALS if spec is None else spec.summary_grain]
    return by_year if any(name in active for name in YEAR_FILTERS) else all_years


def _edge_fields(specs: list[FacetSpec]) -> list[str]:
    fields = ["currency", "amount", "amount_usd"]
    for spec in specs:
        for path in (spec.path, spec.label_path, spec.published):
            if path and path not in fields:
                fields.append(path)
    return fields


def _edge_rows(edges: list[QuerySet], specs: list[FacetSpec]) -> list[dict]:
    """The records of the partial bands, with what the totals and facets need, in one query."""
    fields = _edge_fields(specs)
    parts = [edge.order_by().values(*fields) for edge in edges]
    if len(parts) > 1:
        return list(parts[0].union(*parts[1:], all=True).order_by())
    return list(parts[0])


def _facet_key(spec: FacetSpec, row: dict) -> tuple | None:
    """A record's value (and label) of a facet, as ``_facet`` groups rows (None: not counted)."""
    if spec.published and not row[spec.published]:
        return None
    value = row[spec.path]
    if value is None:
        return None
    if spec.is_year:
        return (value.year,)
    if spec.summary_label_path:
        return value, row[spec.label_path]
    return (value,)


def _merged_facet(summary_rows: QuerySet, spec: FacetSpec, edge_counts: dict) -> Facet:
    """A facet over band summary rows plus the partial bands' records, in ``_facet``'s order.

    The records' counts join the summary's in SQL (a VALUES list), so that the order of
    equal counts is the database's collation, as when ``_facet`` counts rows.
    """
    rows = summary_rows.order_by()
    if spec.summary_published:
        rows = rows.filter(**{spec.summary_published: True})
    names = {"facet_value": F("year") if spec.is_year else F(spec.summary_path)}
    if spec.is_year:
        rows = rows.filter(year__gt=0)
    else:
        rows = rows.exclude(**{f"{spec.summary_path}__isnull": True})
    if spec.summary_label_path:
        names["facet_label"] = F(spec.summary_label_path)
    rows = rows.annotate(**names).values(*names).annotate(facet_count=Sum("record_count"))
    select, params = rows.order_by().query.sql_with_params()
    columns = ", ".join(names)
    edge_sql = ""
    if edge_counts:
        placeholders = ", ".join(
            ["(" + ", ".join(["%s"] * (len(names) + 1)) + ")"] * len(edge_counts)
        )
        edge_sql = f" UNION ALL SELECT * FROM (VALUES {placeholders}) AS edge_part"
        params = (
            *params,
            *(value for key, count in edge_counts.items() for value in (*key, count)),
        )
    order = "1 DESC" if spec.is_year else f"{len(names) + 1} DESC, 1"
    limit = "" if spec.is_year else f" LIMIT {int(spec.limit)}"
    sql = (
        f"SELECT {columns}, SUM(facet_count) FROM (SELECT {columns}, facet_count FROM "
        f"({select}) AS summary_part{edge_sql}) AS merged GROUP BY {columns} "
        f"ORDER BY {order}{limit}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    values = []
    for row in found:
        value, count = row[0], row[-1]
        if spec.summary_label_path:
            label = row[1]
        elif spec.choices:
            label = spec.choices.get(value, value)
        else:
            label = value
        values.append(FacetValue(str(value), str(label), int(count)))
    return Facet(spec.parameter, spec.title, values)


# Up to this many matching rows, a filtered list's figures are computed over their ids.
SMALL_LIST = 5000


def _figures_from_rows(rows: QuerySet, specs: list[FacetSpec], money: bool) -> ListFigures:
    """Figures the summaries cannot give, from the rows.

    The filter (a company family, words, an amount range) is evaluated once, for the ids of
    the matching rows; when there are few, every aggregate then reads just those rows by
    primary key instead of evaluating the filter again (a family's lawsuits, for each of
    seven aggregates, cost more than the aggregates themselves).
    """
    ids = list(rows.order_by().values_list("pk", flat=True)[: SMALL_LIST + 1])
    if len(ids) <= SMALL_LIST:
        matching = rows.model._default_manager.filter(pk__in=ids)
        return ListFigures(
            len(ids), totals(matching) if money else None, facet_counts(matching, specs)
        )
    return ListFigures(None, totals(rows) if money else None, facet_counts(rows, specs))


def _summary_totals(rows: QuerySet) -> QuerySet:
    return per_currency(
        rows,
        count=Sum("record_count"),
        total=Sum("amount_total"),
        usd=Sum("usd_total"),
        usd_known=Sum("usd_count"),
    )


def summary_totals(record_type: str) -> Totals:
    """Count and totals of every public record of a type (call ``summary.settle()`` first)."""
    rows = PublicSummary.objects.filter(record_type=record_type, grain=SummaryGrain.TOTALS)
    return totals_from_rows(_summary_totals(rows))


SETTLEMENT_FACETS = [
    FacetSpec("year", "Year announced", "announced_on", is_year=True, summary_path="year"),
    FacetSpec(
        "authority",
        "Court or authority",
        "lawsuit__authority__slug",
        "lawsuit__authority__name",
        published="lawsuit__authority__is_published",
        summary_path="authority__slug",
        summary_label_path="authority__name",
        summary_grain=SummaryGrain.AUTHORITY,
        summary_published="authority__is_published",
    ),
    FacetSpec(
        "kind",
        "Kind of case",
        "lawsuit__kind",
        choices=dict(LawsuitKind.choices),
        summary_path="kind",
    ),
    FacetSpec(
        "status",
        "Status",
        "status",
        choices=dict(Settlement.Status.choices),
        summary_path="status",
    ),
    FacetSpec("currency", "Currency", "currency", summary_path="currency"),
]
VIOLATION_FACETS = [
    FacetSpec("year", "Year decided", "decided_on", is_year=True, summary_path="year"),
    FacetSpec(
        "authority",
        "Authority",
        "authority__slug",
        "authority__name",
        summary_path="authority__slug",
        summary_label_path="authority__name",
        summary_grain=SummaryGrain.AUTHORITY,
    ),
    FacetSpec(
        "kind",
        "Kind of penalty",
        "kind",
        choices=dict(Violation.Kind.choices),
        summary_path="kind",
    ),
    FacetSpec(
        "country",
        "Country",
        "authority__country",
        choices=COUNTRY_NAMES,
        summary_path="authority__country",
        summary_grain=SummaryGrain.AUTHORITY,
    ),
    FacetSpec("currency", "Currency", "currency", summary_path="currency"),
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
        violations=list(violations.order_by(NEWEST_DECIDED, "-pk")[:limit]),
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


def _by_year_and_currency(queryset: QuerySet, date_field: str) -> list[dict]:
    return list(
        queryset.order_by()
        .annotate(record_year=ExtractYear(date_field))
        .values("record_year", "currency")
        .annotate(
            count=Count("pk"),
            total=Sum("amount"),
            usd=Sum("amount_usd"),
            usd_known=Count("amount_usd"),
        )
    )


def _settled_has_subsidiaries(company: Company) -> bool:
    """``has_subsidiaries`` after settling the summaries (so its family summary is current)."""
    summary.settle()
    return has_subsidiaries(company)


def _family_by_year_and_currency(company: Company) -> tuple[dict[str, list[dict]], int]:
    """As ``_by_year_and_currency`` for a family's settlements and penalties, and its lawsuit
    count, from ``FamilySummary`` in one query (call ``summary.settle()`` first)."""
    rows = (
        FamilySummary.objects.filter(company=company, grain=SummaryGrain.TOTALS)
        .order_by()
        .values("record_type", "year", "currency")
        .annotate(
            count=Sum("record_count"),
            total=Sum("amount_total"),
            usd=Sum("usd_total"),
            usd_known=Sum("usd_count"),
        )
    )
    by_type = {"settlement": [], "violation": [], "lawsuit": []}
    for row in rows:
        row["record_year"] = row.pop("year") or None  # 0: no date, as ExtractYear's None
        by_type[row.pop("record_type")].append(row)
    lawsuit_count = sum(row["count"] for row in by_type["lawsuit"])
    return by_type, lawsuit_count


def _totals_and_years(rows: list[dict]) -> tuple[Totals, dict[int, tuple[int, Decimal]]]:
    """Totals per currency and (count, USD) per year, both from one grouped query."""
    per_currency: dict[str, dict] = {}
    per_year: dict[int, tuple[int, Decimal]] = {}
    for row in rows:
        currency = per_currency.setdefault(
            row["currency"],
            {"currency": row["currency"], "count": 0, "total": None, "usd": None, "usd_known": 0},
        )
        currency["count"] += row["count"]
        currency["usd_known"] += row["usd_known"]
        for name in ("total", "usd"):
            if row[name] is not None:
                currency[name] = row[name] + (currency[name] or 0)
        if row["record_year"] is not None:
            count, usd = per_year.get(row["record_year"], (0, Decimal(0)))
            per_year[row["record_year"]] = (count + row["count"], usd + (row["usd"] or 0))
    ordered = [per_currency[code] for code in sorted(per_currency)]
    return totals_from_rows(ordered), per_year


def company_overview(
    company: Company, include_family: bool, limit: int = 20
) -> tuple[RecordGroup, list[YearRecord]]:
    """The company page's latest records, totals and year-by-year figures.

    For a company with subsidiaries and its family included, totals, years and the lawsuit
    count come from its ``FamilySummary`` (one query). Otherwise from one grouped query per
    record type (by year and currency) over the company's own rows.
    """
    settlements = public_settlements().for_company(company, include_family)
    violations = public_violations().for_company(company, include_family)
    lawsuits = public_lawsuits().for_company(company, include_family)
    if include_family and _settled_has_subsidiaries(company):
        by_type, lawsuit_count = _family_by_year_and_currency(company)
        settlement_rows, violation_rows = by_type["settlement"], by_type["violation"]
    else:
        settlement_rows = _by_year_and_currency(settlements, "announced_on")
        violation_rows = _by_year_and_currency(violations, "decided_on")
        lawsuit_count = None
    settlement_totals, settlement_years = _totals_and_years(settlement_rows)
    violation_totals, violation_years = _totals_and_years(violation_rows)
    group = RecordGroup(
        settlements=list(
            settlements.order_by(F("announced_on").desc(nulls_last=True), "-pk")[:limit]
        ),
        settlement_totals=settlement_totals,
        violations=list(violations.order_by(NEWEST_DECIDED, "-pk")[:limit]),
        violation_totals=violation_totals,
        lawsuits=list(lawsuits.order_by(F("filed_on").desc(nulls_last=True), "-pk")[:limit]),
        lawsuit_count=lawsuits.count() if lawsuit_count is None else lawsuit_count,
    )
    none = (0, Decimal(0))
    years = [
        YearRecord(
            year=year,
            settlements=settlement_years.get(year, none)[0],
            settlements_usd=settlement_years.get(year, none)[1],
            violations=violation_years.get(year, none)[0],
            violations_usd=violation_years.get(year, none)[1],
        )
        for year in sorted(settlement_years.keys() | violation_years.keys())
    ]
    return group, years


def company_records(company: Company, include_family: bool) -> RecordGroup:
    return company_overview(company, include_family)[0]


def company_years(company: Company, include_family: bool) -> list[YearRecord]:
    """The company's public settlements and penalties per year (approximate USD), oldest first."""
    return company_overview(company, include_family)[1]


@dataclass(frozen=True)
class CompanyLink:
    """A company as a link: its name and address (a family can list hundreds)."""

    name: str
    slug: str

    def get_absolute_url(self) -> str:
        return detail_url("companies:detail", "slug", self.slug)


@dataclass
class CompanyProfile:
    company: Company
    parent_chain: list[Company]
    subsidiaries: list[CompanyLink]
    family_size: int
    aliases: list[str]


def company_profile(company: Company) -> CompanyProfile:
    """Who owns the company and what it owns, only as far as those companies are public.

    The direct subsidiaries as names and slugs and the rest of the family as a count: the
    largest family's 1,040 companies as model instances cost more than its page's queries.
    """
    chain = [ancestor for ancestor in company.ancestors() if ancestor.is_published]
    published = Company.objects.published()
    subsidiaries = [
        CompanyLink(name, slug)
        for name, slug in published.filter(parent_id=company.pk)
        .order_by("name")
        .values_list("name", "slug")
    ]
    family = company_ids(company, include_family=True)  # read once, reused by the page
    family_size = published.filter(pk__any_of=family).exclude(pk=company.pk).count()
    aliases = list(CompanyAlias.objects.filter(company=company).values_list("name", flat=True))
    return CompanyProfile(company, chain, subsidiaries, family_size, aliases)


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
    """Totals from the summaries (``summary.settle()`` first), the newest records from rows."""
    summary.settle()
    settlements = public_settlements()
    violations = public_violations()
    lawsuits = PublicSummary.objects.filter(record_type="lawsuit", grain=SummaryGrain.TOTALS)
    return Overview(
        settlements=summary_totals("settlement"),
        violations=summary_totals("violation"),
        lawsuit_count=lawsuits.aggregate(count=Sum("record_count"))["count"] or 0,
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


def _summary_grouped(
    record_type: str, grain: str, path: str, label_path=None, labels=None, published=""
) -> list[StatRow]:
    """As ``_grouped`` over the public records, read from ``PublicSummary``."""
    rows = PublicSummary.objects.filter(record_type=record_type, grain=grain).order_by()
    if published:
        rows = rows.filter(**{published: True})
    rows = rows.filter(year__gt=0) if path == "year" else rows.exclude(**{f"{path}__isnull": True})
    values = [path] + ([label_path] if label_path else [])
    rows = rows.values(*values).annotate(count=Sum("record_count"), usd=Sum("usd_total"))
    result = []
    for row in rows:
        key = row[path]
        label = row[label_path] if label_path else (labels or {}).get(key, key)
        result.append(StatRow(str(key), str(label), row["count"], row["usd"] or Decimal(0)))
    return result


def top_companies(limit: int = 10) -> list[Company]:
    """Published companies that paid the most (their own records), from ``CompanyTotals``."""
    rows = (
        CompanyTotals.objects.filter(company__is_published=True, total_usd__gt=0)
        .select_related("company")
        .order_by("-total_usd", "company__name")[:limit]
    )
    companies = []
    for row in rows:
        company = row.company
        company.total_usd = row.total_usd
        company.record_count = row.lawsuit_count + row.settlement_count + row.violation_count
        for name in (
            "lawsuit_count",
            "settlement_count",
            "settlements_usd",
            "violation_count",
            "violations_usd",
        ):
            setattr(company, name, getattr(row, name))
        companies.append(company)
    return companies


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
    """Counts and approximate USD sums by year, authority, law and kind; top companies.

    All from the summaries (``cases.summary``), which ``overview()`` settles first.
    """
    settlement_kinds = dict(Lawsuit.Kind.choices)
    violation_kinds = dict(Violation.Kind.choices)

    def by_usd(rows):
        return sorted(rows, key=lambda r: (-r.usd, r.label))

    def by_year(record_type):
        rows = _summary_grouped(record_type, SummaryGrain.TOTALS, "year")
        return sorted(rows, key=lambda r: r.key)

    authority = SummaryGrain.AUTHORITY_ALL_YEARS
    law = SummaryGrain.LAW_ALL_YEARS
    return Stats(
        overview=overview(),
        settlements_by_year=by_year("settlement"),
        violations_by_year=by_year("violation"),
        violations_by_authority=by_usd(
            _summary_grouped("violation", authority, "authority__slug", "authority__name")
        ),
        settlements_by_authority=by_usd(
            _summary_grouped(
                "settlement",
                authority,
                "authority__slug",
                "authority__name",
                published="authority__is_published",
            )
        ),
        violations_by_law=by_usd(
            _summary_grouped(
                "violation", law, "law__slug", "law__short_name", published="law__is_published"
            )
        ),
        settlements_by_law=by_usd(
            _summary_grouped(
                "settlement", law, "law__slug", "law__short_name", published="law__is_published"
            )
        ),
        violations_by_kind=by_usd(
            _summary_grouped("violation", SummaryGrain.TOTALS, "kind", labels=violation_kinds)
        ),
        settlements_by_kind=by_usd(
            _summary_grouped("settlement", SummaryGrain.TOTALS, "kind", labels=settlement_kinds)
        ),
        top_companies=top_companies(top),
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


# The records' own words: an own-text match, best ``ts_rank`` first. ``%(query)s`` is the
# visitor's text; each table's own document has a GIN index. The whole document must match
# too, as it decides what matches: "-acme widgets" or a phrase across the title and the
# docket can match the own text alone.
_OWN_TEXT_MATCHES = {
    Lawsuit: """
        SELECT lawsuit.id FROM cases_lawsuit lawsuit
        WHERE lawsuit.own_search_document @@ websearch_to_tsquery('english', %(query)s)
          AND lawsuit.search_document @@ websearch_to_tsquery('english', %(query)s)
          AND lawsuit.is_published
        ORDER BY ts_rank(lawsuit.own_search_document,
                         websearch_to_tsquery('english', %(query)s)) DESC,
                 lawsuit.filed_on DESC NULLS LAST, lawsuit.id DESC
        LIMIT %(limit)s
    """,
    Settlement: """
        SELECT settlement.id FROM cases_settlement settlement
        JOIN cases_lawsuit lawsuit ON lawsuit.id = settlement.lawsuit_id
        WHERE settlement.own_search_document @@ websearch_to_tsquery('english', %(query)s)
          AND settlement.search_document @@ websearch_to_tsquery('english', %(query)s)
          AND settlement.is_published AND lawsuit.is_published
        ORDER BY ts_rank(settlement.own_search_document,
                         websearch_to_tsquery('english', %(query)s)) DESC,
                 settlement.announced_on DESC NULLS LAST, settlement.id DESC
        LIMIT %(limit)s
    """,
    Violation: """
        SELECT violation.id FROM cases_violation violation
        JOIN companies_company company ON company.id = violation.company_id
        JOIN cases_authority authority ON authority.id = violation.authority_id
        WHERE violation.own_search_document @@ websearch_to_tsquery('english', %(query)s)
          AND violation.search_document @@ websearch_to_tsquery('english', %(query)s)
          AND violation.is_published AND company.is_published AND authority.is_published
        ORDER BY ts_rank(violation.own_search_document,
                         websearch_to_tsquery('english', %(query)s)) DESC,
                 violation.decided_on DESC, violation.id DESC
        LIMIT %(limit)s
    """,
}

# pg_trgm's similarity is the trigrams two strings share over all the trigrams of both: at most
# the smaller trigram count over the larger (the same float4 division when every trigram of
# the shorter is shared). Ranking names by similarity, a statement computes it first for the
# names of best bound, then for every name whose bound reaches the worst similarity it needs
# of those: no other name can rank above it (cases.0014 stores each name's trigram count).
TRIGRAM_BOUND = """
    CASE WHEN GREATEST({count}, {query_count}) = 0 THEN 0
         ELSE LEAST({count}, {query_count})::real / GREATEST({count}, {query_count})::real END
"""
QUERY_TRIGRAMS = "cardinality((SELECT show_trgm(%(query)s)))"

# What the company statements (prepared: core.prepared) derive from the visitor's words is
# written as a scalar subquery, like QUERY_TRIGRAMS: computed once per run, where in a generic
# plan, blind to the words, the bare call would be computed again for every row it filters
# (the walks' statement 3.4 -> 2.0 ms). The own-text statement is not prepared: its plan
# depends on the words ("-northwind" matches nearly every row; generic, it took 1.8 s).
SEARCH_TSQUERY = "(SELECT websearch_to_tsquery('english', %(query)s))"
SEARCH_WORDS = "(SELECT tsvector_to_array(to_tsvector('english'::regconfig, %(query)s)))"
QUERY_UPPER = "(SELECT upper(%(query)s))"

# The records found through their companies' names: the companies whose name holds a word of
# the search (the GIN index of name lexemes), best name similarity first, and for each its
# newest matching records that are not own-text matches (those are listed above). The
# companies are walked in order and each one's records read through an index on the company,
# so PostgreSQL stops once a page is full instead of ranking every match. A lawsuit (or
# settlement) comes once per matching defendant; the caller keeps its first, best place.
# The matching companies and their order are computed once per search (``matching``, the
# CTE of _company_walks' statement), not once per record type: each walk reads them in order.
# Only the first ``%(companies)s`` of them are ordered, their similarities computed as the
# companies statement's are (TRIGRAM_BOUND): for "Northwind" 40 + 75 instead of 1,122, the
# statement 5.3 -> 2.9 ms; _company_matches walks them all when the first run out of records.
_MATCHING_COMPANIES = f"""
    named_by_words AS MATERIALIZED (
        SELECT id, name, is_published,
               {TRIGRAM_BOUND.format(count="name_trigram_count", query_count=QUERY_TRIGRAMS)}
               AS bound
        FROM companies_company
        WHERE {search_documents.COMPANY_LEXEMES} && {SEARCH_WORDS}
    ), matching_probe AS (
        SELECT similarity(name, %(query)s) AS similarity
        FROM (SELECT name FROM named_by_words ORDER BY bound DESC LIMIT %(companies)s) best_bounds
    ), matching AS MATERIALIZED (
        SELECT id, is_published,
               row_number() OVER (ORDER BY similarity DESC, name, id) AS place
        FROM (
            SELECT id, name, is_published, similarity(name, %(query)s) AS similarity
            FROM named_by_words
            WHERE bound >= (SELECT min(similarity) FROM matching_probe)
        ) evaluated
        ORDER BY place LIMIT %(companies)s
    )
"""
_WALK = """
    SELECT record.id FROM (SELECT * FROM matching ORDER BY place) company
    CROSS JOIN LATERAL ({records}) record
    ORDER BY company.place, {order}
    LIMIT %(fetch)s
"""
_NOT_OWN_MATCH = """
    {document}
    AND NOT COALESCE({table}.own_search_document @@ {tsquery}, FALSE)
"""


def _not_own_match(table: str, walked: bool = False) -> str:
    """A record of ``table`` that the words match, but not in its own text. In a walk the
    match is tested on a company's few rows and never read from the documents' GIN index
    (COALESCE hides it from the planner): a generic plan, which cannot tell a rare word from
    a common one, intersected each company's rows with every match of the words (31,145 for
    "Northwind", 2.8 ms per company)."""
    document = f"{table}.search_document @@ {SEARCH_TSQUERY}"
    if walked:
        document = f"COALESCE({document}, FALSE)"
    return _NOT_OWN_MATCH.format(table=table, document=document, tsquery=SEARCH_TSQUERY)


_COMPANY_MATCHES = {
    Lawsuit: _WALK.format(
        records=f"""
            SELECT lawsuit.id, lawsuit.filed_on AS day
            FROM cases_lawsuitdefendant link
            JOIN cases_lawsuit lawsuit ON lawsuit.id = link.lawsuit_id
            WHERE link.company_id = company.id AND lawsuit.is_published
              AND {_not_own_match("lawsuit", walked=True)}
            ORDER BY lawsuit.filed_on DESC NULLS LAST, lawsuit.id DESC
            LIMIT %(limit)s
        """,
        order="record.day DESC NULLS LAST, record.id DESC",
    ),
    Settlement: _WALK.format(
        records=f"""
            SELECT settlement.id, settlement.announced_on AS day
            FROM cases_lawsuitdefendant link
            JOIN cases_lawsuit lawsuit ON lawsuit.id = link.lawsuit_id
            JOIN cases_settlement settlement ON settlement.lawsuit_id = lawsuit.id
            WHERE link.company_id = company.id
              AND lawsuit.is_published AND settlement.is_published
              AND {_not_own_match("settlement", walked=True)}
            ORDER BY settlement.announced_on DESC NULLS LAST, settlement.id DESC
            LIMIT %(limit)s
        """,
        order="record.day DESC NULLS LAST, record.id DESC",
    ),
    Violation: _WALK.format(
        records=f"""
            SELECT violation.id, violation.decided_on AS day
            FROM cases_violation violation
            JOIN cases_authority authority ON authority.id = violation.authority_id
            WHERE violation.company_id = company.id AND company.is_published
              AND violation.is_published AND authority.is_published
              AND {_not_own_match("violation", walked=True)}
            ORDER BY violation.decided_on DESC, violation.id DESC
            LIMIT %(limit)s
        """,
        order="record.day DESC, record.id DESC",
    ),
}


# When a search of several words matches few records in all, the walk above can read every
# record of many companies to find them (say "Northwind privacy": 1,122 companies, no
# record); then those few records are ranked directly instead, in the same order: each at
# its best matching company's place.
FEW_MATCHES = 1000
_FEW_MATCHES_PROBE = """
    SELECT CASE WHEN numnode(websearch_to_tsquery('english', %(query)s)) > 1 THEN (
        SELECT count(*) FROM (
            SELECT 1 FROM {table}
            WHERE search_document @@ websearch_to_tsquery('english', %(query)s)
            LIMIT %(few)s + 1
        ) matches
    ) END
"""
_MATCHES_COMPANY = f"""
    {search_documents.company_lexemes("company.name")}
    && {SEARCH_WORDS}
"""
_BEST_COMPANY = f"""
    CROSS JOIN LATERAL (
        SELECT company.id, company.name, similarity(company.name, %(query)s) AS similarity
        FROM cases_lawsuitdefendant link
        JOIN companies_company company ON company.id = link.company_id
        WHERE link.lawsuit_id = {{lawsuit}} AND {_MATCHES_COMPANY}
        ORDER BY similarity DESC, company.name, company.id
        LIMIT 1
    ) company
"""
_FEW_COMPANY_MATCHES = {
    Lawsuit: f"""
        SELECT lawsuit.id FROM cases_lawsuit lawsuit
        {_BEST_COMPANY.format(lawsuit="lawsuit.id")}
        WHERE {_not_own_match("lawsuit")} AND lawsuit.is_published
        ORDER BY company.similarity DESC, company.name, company.id,
                 lawsuit.filed_on DESC NULLS LAST, lawsuit.id DESC
        LIMIT %(fetch)s
    """,
    Settlement: f"""
        SELECT settlement.id FROM cases_settlement settlement
        JOIN cases_lawsuit lawsuit ON lawsuit.id = settlement.lawsuit_id
        {_BEST_COMPANY.format(lawsuit="settlement.lawsuit_id")}
        WHERE {_not_own_match("settlement")}
          AND settlement.is_published AND lawsuit.is_published
        ORDER BY company.similarity DESC, company.name, company.id,
                 settlement.announced_on DESC NULLS LAST, settlement.id DESC
        LIMIT %(fetch)s
    """,
    Violation: f"""
        SELECT violation.id FROM cases_violation violation
        JOIN companies_company company ON company.id = violation.company_id
        JOIN cases_authority authority ON authority.id = violation.authority_id
        WHERE {_not_own_match("violation")} AND {_MATCHES_COMPANY}
          AND violation.is_published AND company.is_published AND authority.is_published
        ORDER BY similarity(company.name, %(query)s) DESC, company.name, company.id,
                 violation.decided_on DESC, violation.id DESC
        LIMIT %(fetch)s
    """,
}


def _few_matches(model, count: int | None) -> bool:
    """Whether a search of several words matches at most FEW_MATCHES records of ``model``
    (unpublished and own-text matches included), from the probe's ``count`` (``None`` for a
    search of one word)."""
    return count is not None and count <= FEW_MATCHES


def _own_matches(models: list, query: str, limit: int) -> tuple[dict, dict]:
    """Each model's own-text matches (ids, best first) and, when they leave its page short,
    the probe's count of all its matches (else ``None``): one statement for every type, a
    probe run only where its CASE asks for it."""
    names = [model._meta.model_name for model in models]
    own = ", ".join(
        f"ARRAY({_OWN_TEXT_MATCHES[model]}) AS {name}"
        for model, name in zip(models, names, strict=True)
    )
    probes = ", ".join(
        f"CASE WHEN cardinality({name}) < %(limit)s "
        f"THEN ({_FEW_MATCHES_PROBE.format(table=model._meta.db_table)}) END"
        for model, name in zip(models, names, strict=True)
    )
    # MATERIALIZED: inlined, each reference to an array would compute it again.
    sql = f"WITH own AS MATERIALIZED (SELECT {own}) SELECT {', '.join(names)}, {probes} FROM own"
    with connection.cursor() as cursor:
        cursor.execute(sql, {"query": query, "limit": limit, "few": FEW_MATCHES})
        row = cursor.fetchone()
    return dict(zip(models, row[: len(models)], strict=True)), dict(
        zip(models, row[len(models) :], strict=True)
    )


def _company_walks(
    sqls: dict, query: str, limit: int, fetch: dict, companies: int
) -> tuple[dict, int | None]:
    """One statement for the record types' company matches, the matching companies computed
    once for all of them: each type's rows (ids, in order) as an array, and how many
    companies match the words (None when no walk reads them: the few-matches statements)."""
    columns = [
        f"ARRAY({sql.replace('%(fetch)s', f'%(fetch_{model._meta.model_name})s')})"
        for model, sql in sqls.items()
    ]
    walks = any(sql is _COMPANY_MATCHES[model] for model, sql in sqls.items())
    # Without a walk the companies are not read (a CTE nothing refers to is not run).
    columns.append("(SELECT count(*) FROM named_by_words)" if walks else "NULL")
    params = {"query": query, "limit": limit, "companies": companies}
    params |= {f"fetch_{model._meta.model_name}": fetch[model] for model in sqls}
    with connection.cursor() as cursor:
        sql = f"WITH {_MATCHING_COMPANIES} SELECT {', '.join(columns)}"
        prepared.execute(cursor, sql, params)
        *arrays, matching = cursor.fetchone()
    return dict(zip(sqls, arrays, strict=True)), matching


# How many of the matching companies a walk reads at first, in order: the best ones fill a
# page unless they have few records of a type; then the walk is run again over all of them.
WALKED_COMPANIES = 2 * SEARCH_LIMIT


def _company_matches(models: list, query: str, limit: int, counts: dict) -> dict:
    """For each model, the first ``limit`` records found through their companies, each at its
    best company's place. Walking the companies lists a record once per matching company; it
    takes its first place, and if duplicates leave fewer than ``limit`` distinct records,
    more rows are read (for that type alone). The walk reads the first WALKED_COMPANIES
    companies; a type that runs out of records before its page is full, while more companies
    match, is walked again over every one. ``counts``: the probes of _own_matches."""
    sqls = {}
    for model in models:
        few = _few_matches(model, counts[model])
        sqls[model] = (_FEW_COMPANY_MATCHES if few else _COMPANY_MATCHES)[model]
    fetch = dict.fromkeys(models, limit)
    companies = max(WALKED_COMPANIES, limit)
    found = {}
    while sqls:
        rows_by_model, matching = _company_walks(sqls, query, limit, fetch, companies)
        all_walked = matching is None or matching <= companies
        for model, rows in rows_by_model.items():
            ids = list(dict.fromkeys(rows))
            ran_out = len(rows) < fetch[model]
            if len(ids) >= limit or (
                ran_out and (all_walked or sqls[model] is not _COMPANY_MATCHES[model])
            ):
                found[model] = ids[:limit]
                del sqls[model]
            elif ran_out:
                companies = matching
            else:
                fetch[model] *= 2
    return found


def _search_records(model, ids: list[int]) -> list:
    """The public records of ``model`` with these ids, in the order of ``ids`` (no statement
    for no ids: core.compiled runs none)."""
    make_queryset, column = _SEARCH_QUERYSETS[model]
    rows = compiled(f"search:{model._meta.label}", make_queryset, column).objects(ids)
    by_pk = {row.pk: row for row in rows}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _public_defendants(lawsuit_ids: set[int]) -> dict[int, list]:
    """Each lawsuit's ``public_defendants`` as ``prefetch_related(published_defendants())``
    sets it: the published defendants' links, by company name, with their companies."""
    links = compiled(
        "search:public_defendants",
        lambda: published_defendants().queryset,
        "cases_lawsuitdefendant.lawsuit_id",
    )
    by_lawsuit = {}
    for link in links.objects(lawsuit_ids):
        by_lawsuit.setdefault(link.lawsuit_id, []).append(link)
    return by_lawsuit


# Each record type's public queryset for the search (its defendants are set apart, in one
# query for the lawsuits and the settlements' lawsuits), and its id column.
_SEARCH_QUERYSETS = {
    Lawsuit: (
        lambda: (
            public_lawsuits().prefetch_related(None).defer("search_document", "own_search_document")
        ),
        "cases_lawsuit.id",
    ),
    Settlement: (
        lambda: (
            public_settlements()
            .prefetch_related(None)
            .defer("search_document", "own_search_document")
        ),
        "cases_settlement.id",
    ),
    Violation: (
        lambda: public_violations().defer("search_document", "own_search_document"),
        "cases_violation.id",
    ),
}


def _ranked_ids(models: list, query: str, limit: int) -> dict:
    """Own-text matches first, by relevance; then matches through company names: each
    model's ids, in that order."""
    ids, counts = _own_matches(models, query, limit)
    short = [model for model in models if len(ids[model]) < limit]
    for model, found in _company_matches(short, query, limit, counts).items():
        seen = set(ids[model])
        more = [pk for pk in found if pk not in seen]
        ids[model] += more[: limit - len(ids[model])]
    return ids


# The ``limit``-th best name similarity among ``names`` admitted by their name alone (like
# the words or holding them): the probe's is a floor of the whole page's, which is exact.
_LIMITTH_ADMITTED_BY_NAME = f"""
        SELECT name_similarity FROM {{names}}
        WHERE name_similarity >= %(threshold)s OR strpos(upper(name), {QUERY_UPPER}) > 0
        ORDER BY name_similarity DESC
        OFFSET GREATEST(%(limit)s - 1, 0) LIMIT 1"""

# Every column, named: a prepared statement's result may not change when a column is added.
COMPANY_FIELDS = Company._meta.concrete_fields

SIMILAR_COMPANIES_SQL = f"""
    WITH candidates AS (
        SELECT id, name, trigram_count
        FROM casetrack_similar_name_companies(%(query)s, %(pattern)s)
        UNION SELECT company.id, company.name, company.name_trigram_count
              FROM casetrack_similar_alias_companies(%(query)s) alias(company_id)
              JOIN companies_company company ON company.id = alias.company_id
              WHERE company.is_published
    ), bounded AS MATERIALIZED (
        SELECT id, name,
               {TRIGRAM_BOUND.format(count="trigram_count", query_count=QUERY_TRIGRAMS)} AS bound
        FROM candidates
    ), probe AS (
        -- similarity() above the LIMIT: in the sorted scan's output it is computed for all
        SELECT name, similarity(name, %(query)s) AS name_similarity
        FROM (SELECT name FROM bounded ORDER BY bound DESC LIMIT %(probe)s) best_bounds
    ), probe_cutoff AS ({_LIMITTH_ADMITTED_BY_NAME.format(names="probe")}
    ), named AS MATERIALIZED (
        SELECT id, name, similarity(name, %(query)s) AS name_similarity FROM bounded
        WHERE bound >= COALESCE((SELECT name_similarity FROM probe_cutoff), 0)
    ), cutoff AS ({_LIMITTH_ADMITTED_BY_NAME.format(names="named")}
    ), scored AS (
        SELECT id, name, name_similarity,
               COALESCE((SELECT max(similarity(alias.name, %(query)s))
                         FROM companies_companyalias alias
                         WHERE alias.company_id = named.id), 0) AS alias_similarity
        FROM named
        WHERE name_similarity >= COALESCE((SELECT name_similarity FROM cutoff), 0)
    )
    SELECT {", ".join(f'company."{column.column}"' for column in COMPANY_FIELDS)}
    FROM unnest(ARRAY(
        SELECT id FROM scored
        WHERE name_similarity >= %(threshold)s OR alias_similarity >= %(threshold)s
              OR strpos(upper(name), {QUERY_UPPER}) > 0
        ORDER BY name_similarity DESC, alias_similarity DESC, name
        LIMIT %(limit)s
    )) WITH ORDINALITY AS best(id, place)
    JOIN companies_company company ON company.id = best.id
    ORDER BY best.place
"""


def _similar_companies(query: str, limit: int) -> list[Company]:
    """Public companies whose name or an alias is like the words, the most similar first.

    Candidates come from the trigram indexes on names and aliases (``%`` is similarity at
    least pg_trgm's threshold, 0.3 by default like TRIGRAM_THRESHOLD; ``ILIKE '%words%'``,
    LIKE's wildcards escaped, is the case-insensitive substring match: migration 0015, a
    cheaper recheck than the regex ``~*`` it replaced, 0.7 ms for "Northwind"). The
    names like the words or holding them come from a function that reads the index for both
    conditions in one scan, each table page visited once (migration 0013: written in the
    statement, the OR was often read from the whole table, similarity() for every company;
    two scans, as before, visited the ~1,100 "Northwind…" companies twice). The candidates
    carry their names' trigram counts (migration 0014), whose ratio to the search's bounds
    each one's similarity (TRIGRAM_BOUND): similarity is computed for the ``probe`` best
    bounds, whose ``limit``-th best admitted name is a floor of the page's cutoff, then only
    for the candidates whose bound reaches that floor (``named``); no other one can make the
    page. For "Northwind": 40 + 25 similarities instead of 1,089 (a statement of 5.0 ms ->
    3.3 ms at a million records). Each is computed once (MATERIALIZED: as a filter, a sort
    key and a selected value the planner had computed it three times, 165 → 62 ms).
    The candidates carry their names, so the companies table is not joined again (a hash
    join over all 25,000 companies). The aliases like the words come from a function that
    always reads their trigram index (migration 0012: PostgreSQL otherwise often computed
    similarity() for every alias, 14 ms at a million records). An alias's similarity only
    breaks ties of name similarity or admits a company whose name is unlike the words, so it
    is computed only for the candidates whose name is at least as similar as the ``limit``-th
    best of those admitted by their name alone (``cutoff``): no company below it can make the
    page. For "Northwind" that is 25 candidates instead of 1,089 (an index probe each). The
    same statement returns the companies' rows, in order (only published companies are
    candidates).
    """
    parameters = {
        "query": query,
        "pattern": f"%{connection.ops.prep_for_like_query(query)}%",
        "threshold": TRIGRAM_THRESHOLD,
        "limit": limit,
        "probe": 2 * limit,
    }
    with connection.cursor() as cursor:
        prepared.execute(cursor, SIMILAR_COMPANIES_SQL, parameters)
        rows = cursor.fetchall()
    names = [column.attname for column in COMPANY_FIELDS]
    return [Company.from_db(connection.alias, names, row) for row in rows]


def _search_postgres(query: str, limit: int) -> SearchResults:
    """Full-text search over the stored documents, trigram similarity for companies.

    A record matches when its stored ``search_document`` (its own text and the names of its
    companies and authorities, cases/search_documents.py) matches the visitor's words, as
    before; what is ranked, and how, is:

    1. Records whose OWN words match (``own_search_document``: title, docket, summary,
       description, a penalty's authority; no company names), best ``ts_rank`` first (a word
       in a title outweighs one in a summary), then newest. Their own text says they are
       about the words, so they come first, and they are found from their own GIN index.
    2. Then records matched only through a company's name (with the rest of the words in
       their own text): the companies whose name holds a word of the search, the most
       similar name first (the order of the companies list above them), and each company's
       newest records. A search for a company's name thus shows that company's latest cases
       first. Ranking these by ``ts_rank`` of the whole document, as before, read every
       matching row (~50,000 for "Northwind", 360 ms at a million records) to order rows
       that almost all tie; walking the companies in order reads about one page of rows.
       A record with several matching defendants is listed once, at its best company's
       place. A search of several words that matches few records (FEW_MATCHES) ranks them
       directly in that same order, since the walk could read every record of many
       companies to find them.

    Within each part ties go to the newest record, then the highest id, so the order is
    total and a shorter page is the start of a longer one. Own-text matches are ranked
    before company-name matches although a company name weighs more (A) than a description
    (C) in the whole document: a record that names the words itself is about them, while a
    company's name alone says nothing about which of its records the visitor wants; the
    companies list above the records answers that search.

    Companies: ``_similar_companies``.

    Statements (7 for "Northwind", 16 before): the companies; the three types' own-text
    matches with their few-matches probes (_own_matches); the company walks of the types
    left short, the matching companies computed once for all (_company_walks); the records
    of each type; the defendants of every listed lawsuit. Three of them run on a second
    connection while the others run here (core.parallel): for "Northwind" at a million
    records, search() 11.6 -> 8.0 ms in process, the page's p50 15.9 -> 13.2 ms.
    """
    # Independent reads run two at a time (core.parallel: the second on another connection):
    # the companies while the records are ranked, then the penalties and the defendants
    # while the settlements and the lawsuits are read.
    companies = parallel.start(_similar_companies, query, limit)
    ids = _ranked_ids([Lawsuit, Settlement, Violation], query, limit)
    violations = parallel.start(_search_records, Violation, ids[Violation])
    settlements = _search_records(Settlement, ids[Settlement])
    # The defendants of the lawsuits and of the settlements' lawsuits in one query, where
    # each queryset's own prefetch read them in one query each.
    lawsuit_ids = {*ids[Lawsuit], *(settlement.lawsuit_id for settlement in settlements)}
    defendants = parallel.start(_public_defendants, lawsuit_ids)
    lawsuits = _search_records(Lawsuit, ids[Lawsuit])
    links = defendants.result()
    for lawsuit in lawsuits + [settlement.lawsuit for settlement in settlements]:
        setattr(lawsuit, PUBLIC_DEFENDANTS, links.get(lawsuit.pk, []))
    return SearchResults(
        query=query,
        companies=companies.result(),
        lawsuits=lawsuits,
        settlements=settlements,
        violations=violations.result(),
        method="postgres",
    )
