"""Public pages. Views only read the request and pick a template; reads live in selectors."""

import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from cases import csv_layout, csv_sql
from cases.exports import COMPANY_COLUMNS, company_rows, csv_response
from cases.feeds import CompanyFeed, FilteredListFeed
from cases.filters import (
    CompanyRecordFilterSet,
    LawsuitFilterSet,
    SettlementFilterSet,
    ViolationFilterSet,
)
from cases.models import Authority, Law
from cases.public_selectors import (
    COMPANY_FACETS,
    LAWSUIT_FACETS,
    SETTLEMENT_FACETS,
    VIOLATION_FACETS,
    Facet,
    FacetSpec,
    authority_records,
    companies_with_totals,
    company_overview,
    company_profile,
    facet_counts,
    law_records,
    lawsuit_for_page,
    lawsuit_page,
    list_figures,
    overview,
    public_companies,
    public_lawsuits,
    public_settlements,
    public_violations,
    search,
    settlement_for_page,
    statistics,
    uses_postgres,
    violation_for_page,
)
from cases.selectors import totals as totals_of
from core.charts import ChartRow, bar_chart
from core.money import format_approximate_usd
from core.pagination import CountedPaginator

PAGE_SIZE = 50
OUTPUT_FORMATS = ("html", "csv", "atom")
VIEW_PARAMETERS = ("page", "format")
MAX_QUERY_LENGTH = 200
PRIMARY_FILTERS = ("q", "company", "include_subsidiaries", "year", "sort")


class QueryUrls:
    """This page's address with some parameters changed, for many changes of one request:
    the query string is copied and encoded once, not once per link (a list page writes some
    70 such links). Writes what changing a copy of ``request.GET`` and calling its
    ``urlencode()`` writes: a changed parameter keeps its place, a new one comes last."""

    def __init__(self, request: HttpRequest):
        values = request.GET.copy()
        values.pop("page", None)
        self.path = request.path
        self.encoding = values.encoding
        self.parts = {key: [self.encode(key, v) for v in items] for key, items in values.lists()}

    def encode(self, key: str, value) -> str:
        # As QueryDict.urlencode() encodes one value.
        return urllib.parse.urlencode({key.encode(self.encoding): str(value).encode(self.encoding)})

    def __call__(self, **changes) -> str:
        parts = dict(self.parts)
        for name, value in changes.items():
            if value is None:
                parts.pop(name, None)
            else:
                parts[name] = [self.encode(name, value)]
        encoded = "&".join(part for items in parts.values() for part in items)
        return f"{self.path}?{encoded}" if encoded else self.path


def query_url(request: HttpRequest, **changes) -> str:
    """This page's address with some parameters changed (None removes one); resets paging."""
    urls = request.__dict__.get("_query_urls")
    if urls is None or urls[0] is not request.GET:
        urls = request.__dict__["_query_urls"] = (request.GET, QueryUrls(request))
    return urls[1](**changes)


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int
    url: str
    selected: bool


@dataclass(frozen=True)
class FacetBox:
    parameter: str
    title: str
    links: list[FacetLink]
    clear_url: str


def facet_boxes(request: HttpRequest, facets: list[Facet]) -> list:
    boxes = []
    for facet in facets:
        current = request.GET.get(facet.parameter, "")
        links = [
            FacetLink(
                value.label,
                value.count,
                query_url(request, **{facet.parameter: value.value}),
                value.value == current,
            )
            for value in facet.values
        ]
        clear = query_url(request, **{facet.parameter: None}) if current else ""
        boxes.append(FacetBox(facet.parameter, facet.title, links, clear))
    return boxes


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    value: str
    remove_url: str


def active_filters(request: HttpRequest, filterset) -> list[ActiveFilter]:
    """The filters in use, in words, each with the address of the list without it."""
    if not filterset.is_valid():
        return []
    active = []
    for name, field in filterset.form.fields.items():
        value = filterset.form.cleaned_data.get(name)
        if name == "sort" or value in (None, ""):
            continue
        if name == "include_subsidiaries" and value == "1":
            continue
        if hasattr(value, "pk"):  # a company, authority or law: its name, without a query
            text = str(value)
        elif isinstance(field, forms.ChoiceField):
            text = str(dict(field.choices).get(value, value))
        else:
            text = str(value)
        active.append(ActiveFilter(str(field.label), text, query_url(request, **{name: None})))
    return active


@dataclass(frozen=True)
class Pagination:
    page: Page | None
    message: str
    status: int
    first_url: str
    last_url: str
    previous_url: str
    next_url: str


def paginate(request: HttpRequest, queryset: QuerySet, count: int | None = None) -> Pagination:
    """The requested page, or no page and a message that says why and where to go."""
    if count is None:
        paginator = Paginator(queryset, PAGE_SIZE)
    else:
        paginator = CountedPaginator(queryset, PAGE_SIZE, known_count=count)
    raw = request.GET.get("page", "1").strip()

    def url(number: int) -> str:
        return query_url(request, page=str(number)) if number > 1 else query_url(request)

    last = url(paginator.num_pages)
    try:
        number = int(raw)
    except ValueError:
        message = f"“{raw[:40]}” is not a page number; pages are numbered 1, 2, 3…"
        return Pagination(None, message, 400, url(1), last, "", "")
    if number < 1:
        return Pagination(None, "Pages are numbered from 1.", 400, url(1), last, "", "")
    if number > paginator.num_pages:
        pages = paginator.num_pages
        message = (
            f"There is no page {number}: these results fit on {pages} "
            f"page{'s' if pages != 1 else ''}."
        )
        return Pagination(None, message, 404, url(1), last, "", "")
    page = paginator.page(number)
    return Pagination(
        page,
        "",
        200,
        url(1),
        last,
        url(page.previous_page_number()) if page.has_previous() else "",
        url(page.next_page_number()) if page.has_next() else "",
    )


@dataclass(frozen=True)
class RecordList:
    """What differs between the settlement, violation, lawsuit and company lists."""

    name: str
    title: str
    singular: str
    plural: str
    filterset_class: type
    queryset: Callable[[], QuerySet]
    facets: list[FacetSpec]
    template: str
    has_money: bool
    csv_columns: list[str] | None = None
    # (filtered rows, site address) -> cells of each row, in csv_columns
    csv_rows: Callable[[QuerySet, str], Iterable[list[str]]] | None = None
    # the same export as finished CSV lines written by PostgreSQL (same bytes, faster)
    csv_lines: Callable[[QuerySet, str], Iterable[str]] | None = None
    has_feed: bool = True
    summary_record_type: str = ""  # read counts, totals and facets from the summaries


SETTLEMENTS = RecordList(
    name="settlements",
    singular="settlement",
    plural="settlements",
    title="Settlements",
    filterset_class=SettlementFilterSet,
    queryset=public_settlements,
    facets=SETTLEMENT_FACETS,
    template="cases/settlement_list.html",
    has_money=True,
    csv_columns=csv_layout.SETTLEMENT_COLUMNS,
    csv_rows=partial(csv_layout.settlement_rows, public=True),
    csv_lines=partial(csv_sql.settlement_lines, public=True),
    summary_record_type="settlement",
)
VIOLATIONS = RecordList(
    name="violations",
    singular="penalty",
    plural="penalties",
    title="Penalties",
    filterset_class=ViolationFilterSet,
    queryset=public_violations,
    facets=VIOLATION_FACETS,
    template="cases/violation_list.html",
    has_money=True,
    csv_columns=csv_layout.VIOLATION_COLUMNS,
    csv_rows=partial(csv_layout.violation_rows, public=True),
    csv_lines=partial(csv_sql.violation_lines, public=True),
    summary_record_type="violation",
)
LAWSUITS = RecordList(
    name="lawsuits",
    singular="lawsuit",
    plural="lawsuits",
    title="Lawsuits",
    filterset_class=LawsuitFilterSet,
    queryset=public_lawsuits,
    facets=LAWSUIT_FACETS,
    template="cases/lawsuit_list.html",
    has_money=False,
)
COMPANIES = RecordList(
    name="companies",
    singular="company",
    plural="companies",
    title="Companies",
    filterset_class=CompanyRecordFilterSet,
    queryset=companies_with_totals,
    facets=COMPANY_FACETS,
    template="companies/company_list.html",
    has_money=False,
    csv_columns=COMPANY_COLUMNS,
    csv_rows=company_rows,
    has_feed=False,
)


def record_list(request: HttpRequest, spec: RecordList) -> HttpResponse:
    filterset = spec.filterset_class(request.GET, queryset=spec.queryset())
    output = request.GET.get("format", "html")
    formats = ["html"] + (["csv"] if spec.csv_rows else []) + (["atom"] if spec.has_feed else [])
    format_error = ""
    if output not in formats:
        format_error = f"“{output[:20]}” is not a format this list offers: use " + (
            " or ".join(formats) + "."
        )
        output = "html"
    valid = filterset.is_valid()
    if output == "csv":
        if not valid:
            return plain_errors(filterset)
        base_url = request.build_absolute_uri("/")[:-1]
        rows = filterset.qs.prefetch_related(None)
        filename = f"{spec.name}.csv"
        if spec.csv_lines and uses_postgres():
            lines = spec.csv_lines(rows, base_url)
            return csv_response(spec.csv_columns, [], filename, lines=lines)
        return csv_response(spec.csv_columns, spec.csv_rows(rows, base_url), filename)
    if output == "atom":
        if not valid:
            return plain_errors(filterset)
        feed = FilteredListFeed(
            title=f"Casetrack: {spec.title.lower()}"
            + (" (filtered)" if filterset.is_filtered else ""),
            link=query_url(request, format=None),
            feed_url=request.get_full_path(),
            items=filterset.qs,
        )
        return feed(request)

    rows = filterset.qs
    totals = None
    facets = []
    known_count = None
    if valid and spec.summary_record_type:
        figures = list_figures(
            spec.summary_record_type,
            rows,
            filterset.form.cleaned_data,
            spec.facets,
            spec.has_money,
        )
        totals, facets, known_count = figures.totals, figures.facets, figures.count
    elif valid:
        totals = totals_of(rows) if spec.has_money else None
        facets = facet_counts(rows, spec.facets)
    pagination = paginate(request, rows, known_count)
    if known_count is not None:
        count = known_count
    else:
        count = pagination.page.paginator.count if pagination.page else rows.count()
    form = filterset.form
    primary = [form[name] for name in PRIMARY_FILTERS if name in form.fields]
    more = [form[name] for name in form.fields if name not in PRIMARY_FILTERS]
    context = {
        "spec": spec,
        "filter": filterset,
        "form": filterset.form,
        "pagination": pagination,
        "records": pagination.page.object_list if pagination.page else [],
        "count": count,
        "count_noun": spec.singular if count == 1 else spec.plural,
        "primary_fields": primary,
        "more_fields": more,
        "more_open": any(field.errors or request.GET.get(field.name) for field in more),
        "totals": totals,
        "facets": facet_boxes(request, facets),
        "unknown_parameters": filterset.unknown_parameters(request.GET, VIEW_PARAMETERS),
        "active_filters": active_filters(request, filterset),
        "format_error": format_error,
        "csv_url": query_url(request, format="csv") if spec.csv_rows else "",
        "atom_url": query_url(request, format="atom") if spec.has_feed else "",
        "clear_url": request.path,
    }
    status = 400 if not valid or format_error else pagination.status
    return render(request, spec.template, context, status=status)


def plain_errors(filterset) -> HttpResponse:
    lines = ["These filters could not be used:"]
    for name, errors in filterset.errors.items():
        for error in errors:
            # One line per error, even when the message quotes a value with line breaks.
            lines.append(f"- {name}: {' '.join(str(error).splitlines())}")
    return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain")


@require_safe
def settlement_list(request):
    return record_list(request, SETTLEMENTS)


@require_safe
def violation_list(request):
    return record_list(request, VIOLATIONS)


@require_safe
def lawsuit_list(request):
    return record_list(request, LAWSUITS)


@require_safe
def company_list(request):
    return record_list(request, COMPANIES)


@require_safe
def home(request):
    return render(request, "cases/home.html", {"overview": overview()})


@require_safe
def settlement_detail(request, pk: int):
    settlement = settlement_for_page(pk)
    if settlement is None:
        raise Http404("No published settlement has this number.")
    return render(request, "cases/settlement_detail.html", {"settlement": settlement})


@require_safe
def violation_detail(request, pk: int):
    violation = violation_for_page(pk)
    if violation is None:
        raise Http404("No published violation has this number.")
    return render(request, "cases/violation_detail.html", {"violation": violation})


@require_safe
def lawsuit_detail(request, slug: str):
    lawsuit = lawsuit_for_page(slug)
    if lawsuit is None:
        raise Http404("No published lawsuit has this address.")
    return render(request, "cases/lawsuit_detail.html", {"page": lawsuit_page(lawsuit)})


@require_safe
def authority_detail(request, slug: str):
    authority = get_object_or_404(Authority.objects.published(), slug=slug)
    context = {
        "authority": authority,
        "records": authority_records(authority),
        "list_query": urlencode({"authority": authority.slug}),
    }
    return render(request, "cases/authority_detail.html", context)


@require_safe
def law_detail(request, slug: str):
    law = get_object_or_404(Law.objects.published(), slug=slug)
    context = {
        "law": law,
        "records": law_records(law),
        "list_query": urlencode({"law": law.slug}),
    }
    return render(request, "cases/law_detail.html", context)


def usd_rows(rows, url_parameter: str = "", list_name: str = "") -> list[ChartRow]:
    """Chart rows from stat rows: approximate USD, linking to the filtered list if asked."""
    chart_rows = []
    list_url = reverse(f"cases:{list_name}") if url_parameter and list_name else ""
    for row in rows:
        url = ""
        if list_url:
            url = list_url + "?" + urlencode({url_parameter: row.key})
        chart_rows.append(
            ChartRow(row.label, row.usd, format_approximate_usd(row.usd) or "$0", url)
        )
    return chart_rows


@require_safe
def company_detail(request, slug: str):
    company = get_object_or_404(public_companies().select_related("parent"), slug=slug)
    raw = request.GET.get("include_subsidiaries", "1")
    switch_error = ""
    if raw not in ("0", "1"):
        switch_error = "Use include_subsidiaries=1 (the whole family) or 0 (this company only)."
    include_family = raw != "0"
    profile = company_profile(company)
    records, years = company_overview(company, include_family)
    chart = bar_chart(
        "by-year",
        "Settlements and penalties per year, approximate US dollars"
        + (", subsidiaries included" if include_family else f", {company.name} only"),
        [
            ChartRow(
                str(year.year),
                year.total_usd,
                format_approximate_usd(year.total_usd) or "$0",
            )
            for year in years
        ],
        unit="approximate US dollars",
    )
    list_query = {"company": company.slug}
    if not include_family:
        list_query["include_subsidiaries"] = "0"
    context = {
        "company": company,
        "profile": profile,
        "include_family": include_family,
        "switch_error": switch_error,
        "records": records,
        "years": years,
        "chart": chart,
        "list_query": urlencode(list_query),
    }
    status = 400 if switch_error else 200
    return render(request, "companies/company_detail.html", context, status=status)


@require_safe
def company_feed(request, slug: str):
    company = get_object_or_404(public_companies(), slug=slug)
    return CompanyFeed(company)(request)


@require_safe
def stats(request):
    data = statistics()
    charts = {
        "settlements_by_year": bar_chart(
            "settlements-by-year",
            "Settlements by year announced",
            usd_rows(data.settlements_by_year, "year", "settlements"),
            unit="approximate US dollars",
        ),
        "violations_by_year": bar_chart(
            "violations-by-year",
            "Penalties by year decided",
            usd_rows(data.violations_by_year, "year", "violations"),
            unit="approximate US dollars",
        ),
        "top_companies": bar_chart(
            "top-companies",
            "Companies that paid the most (their own records)",
            [
                ChartRow(
                    company.name,
                    company.total_usd,
                    format_approximate_usd(company.total_usd),
                    company.get_absolute_url(),
                )
                for company in data.top_companies
            ],
            unit="approximate US dollars",
        ),
    }
    return render(request, "cases/stats.html", {"stats": data, "charts": charts})


@require_safe
def search_page(request):
    query = request.GET.get("q", "").strip()
    error = ""
    results = None
    if len(query) > MAX_QUERY_LENGTH:
        error = f"Search for at most {MAX_QUERY_LENGTH} characters."
    elif "\x00" in query:
        error = "The search contains a null character; type the words again."
    elif "q" in request.GET and not query:
        error = "Type a company, case, law or authority to search for."
    elif query:
        results = search(query)
    context = {"query": query, "error": error, "results": results}
    return render(request, "cases/search.html", context, status=400 if error else 200)
