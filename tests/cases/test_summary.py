"""The precomputed summaries never drift from the rows, whatever path wrote them.

After each write path, every figure the pages read from ``PublicSummary``,
``CompanyTotals`` and ``FamilySummary`` (list counts, totals and facets, with and without
a company family, home and statistics figures, top companies, company pages) is compared
with the same figure aggregated directly over the public rows, the way the pages computed
it before the summaries existed.
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum
from django.urls import reverse

from articles import services as article_services
from articles.models import Article, ArticleStatus, Finding
from cases import amount_bands, public_selectors, services, summary
from cases.filters import SettlementFilterSet, ViolationFilterSet
from cases.importing import import_records
from cases.models import (
    CompanyTotals,
    ExchangeRate,
    FamilySummary,
    Lawsuit,
    PublicSummary,
    Settlement,
    SummaryDirty,
    SummaryGrain,
    Violation,
)
from cases.public_selectors import (
    SETTLEMENT_FACETS,
    VIOLATION_FACETS,
    _grouped,
    companies_with_totals,
    company_overview,
    facet_counts,
    has_subsidiaries,
    list_count,
    list_figures,
    overview,
    public_lawsuits,
    public_settlements,
    public_violations,
    statistics,
)
from cases.selectors import _by_year, totals
from cases.synthetic import SyntheticGenerator
from companies.models import Company
from companies.services import company_set_parent
from core.services import records_set_published
from tests.factories import (
    AuthorityFactory,
    CompanyFactory,
    ExchangeRateFactory,
    LawFactory,
    LawsuitFactory,
    SettlementFactory,
    ViolationFactory,
)

LISTS = [
    (
        "settlement",
        SettlementFilterSet,
        public_settlements,
        SETTLEMENT_FACETS,
        "paid",
        "class_action",
    ),
    ("violation", ViolationFilterSet, public_violations, VIOLATION_FACETS, "final", "fine"),
]
# Filter combinations the summaries answer (and one they do not, answered from rows).
FILTERS = [
    {},
    {"year": "2021"},
    {"year": "2019"},
    {"year_from": "2020"},
    {"year_to": "2020"},
    {"currency": "EUR"},
    {"sort": "-amount"},
]
# Amount ranges (cases.amount_bands): round ones whose bounds are band bounds, others that
# cut bands, open-ended ones, one inside a single band, empty ones (min above max is a
# form error), the widest; alone and with the filters the band grains answer, and with
# one they do not (the company).
AMOUNT_RANGES = [
    {"amount_min": "1000000", "amount_max": "5000000", "sort": "-amount"},
    {"amount_min": "100000", "amount_max": "1000000"},
    {"amount_min": "99999.5", "amount_max": "2345678.91"},
    {"amount_min": "100000.5", "amount_max": "110500"},
    {"amount_min": "250"},
    {"amount_max": "150000"},
    {"amount_min": "0", "amount_max": "0"},
    {"amount_min": "7", "amount_max": "8"},
    {"amount_min": "1", "amount_max": "999999999999999999.99"},
]
AMOUNT_COMBINATIONS = [
    {"amount_min": "100000", "year": "2021"},
    {"amount_min": "100000", "amount_max": "3000000", "year_from": "2020"},
    {"amount_min": "250.5", "amount_max": "2500000", "year_to": "2020"},
    {"amount_min": "1000", "currency": "EUR"},
    {"amount_max": "1000000", "currency": "USD", "year": "2021"},
    {"amount_min": "100", "company": "parent"},
]


def direct_statistics():
    """The statistics as computed from the rows before the summaries existed."""
    settlements, violations = public_settlements(), public_violations()

    def rows(items):
        return sorted((row.key, row.label, row.count, row.usd) for row in items)

    return {
        "settlements_by_year": rows(_grouped(settlements, "announced_on", year=True)),
        "violations_by_year": rows(_grouped(violations, "decided_on", year=True)),
        "violations_by_authority": rows(_grouped(violations, "authority__slug", "authority__name")),
        "settlements_by_authority": rows(
            _grouped(
                settlements.filter(lawsuit__authority__is_published=True),
                "lawsuit__authority__slug",
                "lawsuit__authority__name",
            )
        ),
        "violations_by_law": rows(
            _grouped(violations.filter(laws__is_published=True), "laws__slug", "laws__short_name")
        ),
        "settlements_by_law": rows(
            _grouped(
                settlements.filter(lawsuit__laws__is_published=True),
                "lawsuit__laws__slug",
                "lawsuit__laws__short_name",
            )
        ),
        "violations_by_kind": rows(
            _grouped(violations, "kind", labels=dict(Violation.Kind.choices))
        ),
        "settlements_by_kind": rows(
            _grouped(settlements, "lawsuit__kind", labels=dict(Lawsuit.Kind.choices))
        ),
    }


# Each money record type's public rows, date and kind, as the lists filter and group them.
BAND_SOURCES = {
    "settlement": (public_settlements, "announced_on", "lawsuit__kind"),
    "violation": (public_violations, "decided_on", "kind"),
}


def assert_band_grains_match_rows():
    """The band grains summed over years (all years; by year and band alone) hold exactly
    what grouping the public rows in Python gives: no row missing, none stale, none extra.

    The amount-range figures read these grains without a year filter; this checks the rows
    themselves too, band by band (a figure could hide a wrong row behind a partial band).
    """
    summary.settle()
    for record_type, (rows_of, date, kind) in BAND_SOURCES.items():
        all_years, by_year = defaultdict(lambda: [0, 0, 0, 0]), defaultdict(lambda: [0, 0, 0])
        for row in rows_of().values(date, kind, "status", "currency", "amount", "amount_usd"):
            band = amount_bands.band_of(row["amount_usd"])
            usd, known = row["amount_usd"] or 0, int(row["amount_usd"] is not None)
            figures = all_years[(band, row[kind], row["status"], row["currency"])]
            for index, value in enumerate((1, row["amount"], usd, known)):
                figures[index] += value
            year = row[date].year if row[date] else 0
            for index, value in enumerate((1, usd, known)):
                by_year[(year, band)][index] += value
        stored = PublicSummary.objects.filter(record_type=record_type)
        got_all = {
            (row.amount_band, row.kind, row.status, row.currency): [
                row.record_count,
                row.amount_total,
                row.usd_total,
                row.usd_count,
            ]
            for row in stored.filter(grain=SummaryGrain.BAND_ALL_YEARS)
        }
        assert got_all == dict(all_years), record_type
        assert set(
            stored.filter(grain=SummaryGrain.BAND_ALL_YEARS).values_list("year", flat=True)
        ) <= {0}
        got_by_year = {
            (row.year, row.amount_band): [row.record_count, row.usd_total, row.usd_count]
            for row in stored.filter(grain=SummaryGrain.BAND_YEAR)
        }
        assert got_by_year == dict(by_year), record_type


def assert_summaries_match_rows():
    """Every summary-backed figure equals the one aggregated from the public rows."""
    assert_band_grains_match_rows()
    for record_type, filterset_class, rows_of, specs, status, kind in LISTS:
        own = [
            {"status": status, "currency": "USD"},
            {"status": status},
            {"kind": kind},
            {"kind": kind, "year": "2021"},
            {"kind": kind, "amount_min": "300"},
            {"status": status, "amount_max": "2400000.01"},
        ]
        for data in [*FILTERS, *AMOUNT_RANGES, *AMOUNT_COMBINATIONS, *own]:
            if "company" in data and not Company.objects.filter(slug=data["company"]).exists():
                continue  # the records fixture's family; absent from synthetic data
            filterset = filterset_class(data, queryset=rows_of())
            assert filterset.is_valid(), filterset.errors
            rows = filterset.qs
            figures = list_figures(record_type, rows, filterset.form.cleaned_data, specs, True)
            expected_totals = totals(rows)
            assert figures.totals == expected_totals, (record_type, data)
            if figures.count is not None:
                assert figures.count == rows.count() == expected_totals.count, (record_type, data)
            assert figures.facets == facet_counts(rows, specs), (record_type, data)

    home = overview()
    assert home.settlements == totals(public_settlements())
    assert home.violations == totals(public_violations())
    assert home.lawsuit_count == public_lawsuits().count()

    stats = statistics()
    for name, expected in direct_statistics().items():
        got = sorted((row.key, row.label, row.count, row.usd) for row in getattr(stats, name))
        assert got == expected, name

    by_rows = companies_with_totals().filter(total_usd__gt=0).order_by("-total_usd", "name")
    expected_top = [(c.pk, c.total_usd, c.record_count) for c in by_rows[:10]]
    assert [(c.pk, c.total_usd, c.record_count) for c in stats.top_companies] == expected_top
    stored = {row.company_id: row for row in CompanyTotals.objects.all()}
    for company in companies_with_totals():
        row = stored.get(company.pk)
        got = (
            (
                row.lawsuit_count,
                row.settlement_count,
                row.settlements_usd,
                row.violation_count,
                row.violations_usd,
                row.total_usd,
            )
            if row
            else (0, 0, 0, 0, 0, 0)
        )
        expected = (
            company.lawsuit_count,
            company.settlement_count,
            company.settlements_usd,
            company.violation_count,
            company.violations_usd,
            company.total_usd,
        )
        assert got == expected, company

    for company in Company.objects.published():
        for family in (True, False):
            company = Company.objects.get(pk=company.pk)  # family ids read afresh
            group, years = company_overview(company, family)
            settlements = public_settlements().for_company(company, family)
            violations = public_violations().for_company(company, family)
            assert group.settlement_totals == totals(settlements)
            assert group.violation_totals == totals(violations)
            assert group.lawsuit_count == public_lawsuits().for_company(company, family).count()
            by_year = {
                year.year: (
                    year.settlements,
                    year.settlements_usd,
                    year.violations,
                    year.violations_usd,
                )
                for year in years
            }
            expected_settlements = _by_year(settlements, "announced_on")
            expected_violations = _by_year(violations, "decided_on")
            none = (0, Decimal(0))
            assert by_year == {
                year: (*expected_settlements.get(year, none), *expected_violations.get(year, none))
                for year in expected_settlements.keys() | expected_violations.keys()
            }, company
    assert_family_lists_match_rows()
    assert_family_summaries_only_for_parents()
    assert not SummaryDirty.objects.exists()


FAMILY_FILTERS = [{}, {"year": "2021"}, {"year_from": "2020"}, {"currency": "EUR"}]


def assert_family_lists_match_rows():
    """Lists filtered by a family (or its head alone): every figure equals the rows'.

    Only companies with subsidiaries: a single company's figures come from its rows.
    """
    parents = Company.objects.published().filter(subsidiaries__isnull=False).distinct()
    for record_type, filterset_class, rows_of, specs, status, kind in LISTS:
        for company in parents:
            for switch in ({}, {"include_subsidiaries": "0"}):
                own = [{"status": status}, {"kind": kind, "year": "2021"}]
                for extra in [*FAMILY_FILTERS, *own]:
                    data = {"company": company.slug, **switch, **extra}
                    filterset = filterset_class(data, queryset=rows_of())
                    assert filterset.is_valid(), filterset.errors
                    rows = filterset.qs
                    cleaned = filterset.form.cleaned_data
                    figures = list_figures(record_type, rows, cleaned, specs, True)
                    expected_totals = totals(rows)
                    assert figures.totals == expected_totals, (record_type, data)
                    assert figures.count in (None, expected_totals.count), (record_type, data)
                    assert figures.facets == facet_counts(rows, specs), (record_type, data)
                    count = list_count(record_type, cleaned)
                    assert count in (None, expected_totals.count), (record_type, data)
                    if not switch:
                        assert count == figures.count == expected_totals.count, data


def assert_family_summaries_only_for_parents():
    """A family summary exists for exactly the companies with a subsidiary (once settled)."""
    summary.settle()
    parents = set(Company.objects.exclude(parent=None).values_list("parent_id", flat=True))
    assert set(FamilySummary.objects.values_list("company_id", flat=True)) <= parents
    for company in Company.objects.all():
        assert has_subsidiaries(company) == (company.pk in parents)


@pytest.fixture
def records(db):
    """A small world: a family, two authorities, laws, records in three currencies."""
    ExchangeRateFactory(currency="EUR", year=2019, usd_per_unit=Decimal("1.10"))
    ExchangeRateFactory(currency="EUR", year=2021, usd_per_unit=Decimal("1.20"))
    parent = CompanyFactory(name="Parent", slug="parent")
    child = CompanyFactory(name="Child", slug="child", parent=parent)
    other = CompanyFactory(name="Other", slug="other")
    regulator = AuthorityFactory(name="Regulator", slug="regulator", country="FR")
    court = AuthorityFactory(name="Court", slug="court", kind="court", country="US")
    law = LawFactory(short_name="GDPR", slug="gdpr")
    second_law = LawFactory(short_name="CCPA", slug="ccpa")
    lawsuit = LawsuitFactory(defendants=[parent, child], authority=court)
    lawsuit.laws.add(law)
    other_suit = LawsuitFactory(defendants=[other], authority=court, kind="regulatory")
    SettlementFactory(lawsuit=lawsuit, amount=Decimal("1000000"), currency="USD")
    SettlementFactory(
        lawsuit=lawsuit,
        amount=Decimal("2000000"),
        currency="EUR",
        announced_on=datetime.date(2019, 5, 1),
        status="paid",
    )
    SettlementFactory(lawsuit=other_suit, amount=Decimal("5"), currency="GBP", announced_on=None)
    first = ViolationFactory(company=child, authority=regulator, currency="EUR")
    first.laws.add(law, second_law)
    ViolationFactory(company=parent, authority=regulator, amount=Decimal("300"))
    ViolationFactory(
        company=other,
        authority=court,
        kind="civil_penalty",
        status="final",
        decided_on=datetime.date(2021, 7, 1),
    )
    ViolationFactory(company=other, authority=regulator, is_published=False)
    return {
        "parent": parent,
        "child": child,
        "other": other,
        "regulator": regulator,
        "court": court,
        "law": law,
        "lawsuit": lawsuit,
    }


def test_factories_writes_are_summarised(records):
    assert_summaries_match_rows()
    # The figures are not trivially empty: the summary holds what the rows hold.
    assert overview().violations.count == 3
    assert overview().settlements.count == 3


def test_service_create_update_and_upsert(records):
    assert_summaries_match_rows()
    violation = services.violation_create(
        company=records["other"],
        authority=records["regulator"],
        kind="fine",
        amount=Decimal("777"),
        currency="EUR",
        decided_on=datetime.date(2021, 3, 3),
        is_published=True,
    )
    assert_summaries_match_rows()
    services.record_update(violation, decided_on=datetime.date(2019, 1, 1), kind="other")
    assert_summaries_match_rows()
    services.settlement_upsert(
        lawsuit=records["lawsuit"],
        amount=Decimal("1000000"),
        currency="USD",
        status="paid",
    )
    assert_summaries_match_rows()


def test_admin_publish_and_unpublish_actions(records, editor_client):
    url = reverse("admin:cases_violation_changelist")
    ids = [v.pk for v in Violation.objects.all()]
    assert_summaries_match_rows()
    response = editor_client.post(url, {"action": "unpublish", "_selected_action": ids[:2]})
    assert response.status_code == 302
    assert_summaries_match_rows()
    response = editor_client.post(url, {"action": "publish", "_selected_action": ids})
    assert response.status_code == 302
    assert_summaries_match_rows()
    records_set_published(Lawsuit.objects.filter(pk=records["lawsuit"].pk), False)
    assert_summaries_match_rows()


def test_admin_edit_and_history_revert(records, editor_client):
    settlement = Settlement.objects.get(currency="USD")
    assert_summaries_match_rows()
    change_url = reverse("admin:cases_settlement_change", args=[settlement.pk])
    form = editor_client.get(change_url).context["adminform"].form
    data = {n: form[n].value() if form[n].value() is not None else "" for n in form.fields}
    data["sources"] = []
    data["amount"] = "1500000.00"
    data["announced_on"] = "2018-06-01"
    response = editor_client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert_summaries_match_rows()

    original = settlement.history.earliest()
    revert_url = reverse(
        "admin:cases_settlement_simple_history", args=[settlement.pk, original.history_id]
    )
    revert_form = editor_client.get(revert_url).context["adminform"].form
    revert = {
        n: revert_form[n].value() if revert_form[n].value() is not None else ""
        for n in revert_form.fields
    }
    revert["sources"] = []
    assert editor_client.post(revert_url, revert).status_code == 302
    settlement.refresh_from_db()
    assert settlement.amount == Decimal("1000000")
    assert_summaries_match_rows()


def test_deletes_and_link_changes(records):
    assert_summaries_match_rows()
    Violation.objects.filter(company=records["parent"]).delete()
    assert_summaries_match_rows()
    records["lawsuit"].laws.clear()
    Violation.objects.get(company=records["child"]).laws.remove(records["law"])
    assert_summaries_match_rows()
    records["lawsuit"].defendant_links.filter(company=records["child"]).delete()
    assert_summaries_match_rows()
    Settlement.objects.filter(currency="EUR").delete()
    assert_summaries_match_rows()


def test_company_and_authority_publication_and_new_parent(records):
    assert_summaries_match_rows()
    Company.objects.filter(pk=records["child"].pk).update(is_published=False)
    assert_summaries_match_rows()
    records["regulator"].is_published = False
    records["regulator"].save()
    assert_summaries_match_rows()
    records["regulator"].is_published = True
    records["regulator"].save()
    company_set_parent(company=records["other"], parent=records["parent"])
    assert_summaries_match_rows()
    records["court"].is_published = False
    records["court"].save()
    assert_summaries_match_rows()
    records["law"].is_published = False
    records["law"].save()
    assert_summaries_match_rows()


def test_lawsuit_kind_and_authority_changes(records):
    lawsuit = records["lawsuit"]
    services.record_update(lawsuit, kind="regulatory", authority=records["regulator"])
    assert_summaries_match_rows()


def test_exchange_rate_changes_rederive_usd(records):
    assert_summaries_match_rows()
    services.exchange_rate_set(currency="EUR", year=2019, usd_per_unit=Decimal("2.00"))
    assert_summaries_match_rows()
    services.exchange_rate_set(currency="GBP", year=2020, usd_per_unit=Decimal("1.30"))
    assert ExchangeRate.objects.filter(currency="GBP").exists()
    assert_summaries_match_rows()


def test_exchange_rates_moving_records_across_bands(records):
    """A new rate changes USD values (and bands) without changing the records' years."""
    assert_summaries_match_rows()
    eur = Violation.objects.get(company=records["child"])
    before = amount_bands.band_of(eur.amount_usd)
    services.exchange_rates_set(
        [
            {"currency": "EUR", "year": 2019, "usd_per_unit": Decimal("2.00")},
            {"currency": "EUR", "year": 2021, "usd_per_unit": Decimal("0.50")},
        ]
    )
    eur.refresh_from_db()
    assert amount_bands.band_of(eur.amount_usd) != before
    assert_summaries_match_rows()
    ExchangeRate.objects.filter(currency="EUR").delete()  # no rate: no USD value, no band
    Violation.objects.filter(currency="EUR").update(amount_usd=None)
    assert_summaries_match_rows()


def test_band_rows_add_up_to_the_totals(records):
    """Every record is in exactly one band (or the band for no USD value), per year."""
    summary.settle()
    for record_type in ("settlement", "violation"):
        for grain in (SummaryGrain.BAND, SummaryGrain.BAND_AUTHORITY, SummaryGrain.BAND_YEAR):
            by_band = PublicSummary.objects.filter(record_type=record_type, grain=grain)
            totals_rows = PublicSummary.objects.filter(
                record_type=record_type, grain=SummaryGrain.TOTALS
            )

            def per_year(rows):
                return sorted(
                    rows.order_by()
                    .values("year")
                    .annotate(count=Sum("record_count"), usd=Sum("usd_total"))
                    .values_list("year", "count", "usd")
                )

            assert per_year(by_band) == per_year(totals_rows)
        # Summed over the years, each all-years band grain has every record once.
        for grain in (SummaryGrain.BAND_ALL_YEARS, SummaryGrain.BAND_AUTHORITY_ALL_YEARS):
            rows = PublicSummary.objects.filter(record_type=record_type, grain=grain)
            totals_rows = PublicSummary.objects.filter(
                record_type=record_type, grain=SummaryGrain.TOTALS
            )
            sums = (Sum("record_count"), Sum("usd_total"), Sum("usd_count"))
            assert rows.aggregate(*sums) == totals_rows.aggregate(*sums)
    # The GBP settlement has no rate, so no USD value: it is in the band for none.
    bands = PublicSummary.objects.filter(grain=SummaryGrain.BAND, record_type="settlement")
    assert set(bands.values_list("amount_band", flat=True)) == {
        None,
        Decimal("1000000"),
        Decimal("2000000"),
    }


@pytest.mark.parametrize("data", AMOUNT_RANGES + AMOUNT_COMBINATIONS[:-1])
def test_amount_ranges_are_answered_by_the_bands(records, monkeypatch, data):
    """No figure of an amount range the bands cover is aggregated over all its rows."""

    def refuse(*args, **kwargs):
        raise AssertionError("aggregated over the rows")

    monkeypatch.setattr(public_selectors, "_figures_from_rows", refuse)
    monkeypatch.setattr(public_selectors, "facet_counts", refuse)
    for record_type, filterset_class, rows_of, specs, *_ in LISTS:
        filterset = filterset_class(data, queryset=rows_of())
        assert filterset.is_valid(), filterset.errors
        figures = list_figures(record_type, filterset.qs, filterset.form.cleaned_data, specs, True)
        assert figures.totals == totals(filterset.qs)


def test_band_figures_come_from_the_summary(records):
    """Tampering with a band row shows in the figure: the bands are really read (the
    per-year band rows under a year filter; without one, the next test)."""
    summary.settle()
    data = {"amount_min": "1000000", "amount_max": "5000000", "year": "2019"}
    filterset = SettlementFilterSet(data, queryset=public_settlements())
    assert filterset.is_valid()
    args = ("settlement", filterset.qs, filterset.form.cleaned_data, SETTLEMENT_FACETS, True)
    assert list_figures(*args).count == 1
    PublicSummary.objects.filter(
        grain=SummaryGrain.BAND, record_type="settlement", amount_band=Decimal("2000000")
    ).update(record_count=7)
    assert list_figures(*args).count == 7
    summary.rebuild()
    assert list_figures(*args).count == 1


def _range_figures(record_type, data):
    filterset_class, rows_of, specs = {
        "settlement": (SettlementFilterSet, public_settlements, SETTLEMENT_FACETS),
        "violation": (ViolationFilterSet, public_violations, VIOLATION_FACETS),
    }[record_type]
    filterset = filterset_class(data, queryset=rows_of())
    assert filterset.is_valid(), filterset.errors
    rows = filterset.qs
    return list_figures(record_type, rows, filterset.form.cleaned_data, specs, True), rows


def test_ranges_without_a_year_read_the_all_years_band_grains(records):
    """Without a year filter, an amount range's totals, kind, status and currency facets
    come from the all-years band rows and its year facet from the by-year-and-band rows;
    with a year filter (or, for the year facet, a currency filter), from the per-year rows.
    Tampering with a grain shows in exactly the figures said to read it."""
    summary.settle()
    whole = {"amount_min": "1000000", "amount_max": "5000000"}
    figures, rows = _range_figures("settlement", whole)
    assert figures.totals == totals(rows) and figures.totals.count == 2
    assert figures.facets == facet_counts(rows, SETTLEMENT_FACETS)
    PublicSummary.objects.filter(
        grain=SummaryGrain.BAND_ALL_YEARS, record_type="settlement", amount_band=Decimal("2000000")
    ).update(record_count=7)
    PublicSummary.objects.filter(
        grain=SummaryGrain.BAND_YEAR, record_type="settlement", year=2019
    ).update(record_count=5)
    tampered, _ = _range_figures("settlement", whole)
    assert tampered.totals.count == 8
    facets = {facet.parameter: facet for facet in tampered.facets}
    assert {value.value: value.count for value in facets["year"].values}["2019"] == 5
    assert sum(value.count for value in facets["kind"].values) == 8
    assert sum(value.count for value in facets["status"].values) == 8
    # A year filter: totals and facets but the year from the per-year band rows.
    figures, rows = _range_figures("settlement", {**whole, "year_from": "2000"})
    assert figures.totals == totals(rows)
    expected = facet_counts(rows, SETTLEMENT_FACETS)
    assert [f for f in figures.facets if f.parameter != "year"] == [
        f for f in expected if f.parameter != "year"
    ]
    # A currency filter: the year facet from the per-year band rows.
    figures, rows = _range_figures("settlement", {**whole, "currency": "EUR"})
    assert figures.facets[0].parameter == "year"
    assert figures.facets[0] == facet_counts(rows, SETTLEMENT_FACETS)[0]
    summary.rebuild()
    assert _range_figures("settlement", whole)[0].totals.count == 2


def test_all_years_band_grains_follow_every_write(records):
    """Add, move across bands, unpublish, delete, in dated years and the undated one: the
    all-years and by-year band rows, and the figures of ranges read from them, stay equal
    to the rows after each write."""
    ranges = [
        {"amount_min": "1000000", "amount_max": "5000000"},
        {"amount_min": "100", "amount_max": "1000"},
        {"amount_max": "10"},
    ]

    def check():
        assert_band_grains_match_rows()
        for record_type in BAND_SOURCES:
            specs = SETTLEMENT_FACETS if record_type == "settlement" else VIOLATION_FACETS
            for data in ranges:
                figures, rows = _range_figures(record_type, data)
                assert figures.totals == totals(rows), (record_type, data)
                assert figures.count == rows.count(), (record_type, data)
                assert figures.facets == facet_counts(rows, specs), (record_type, data)

    summary.rebuild()  # every grain filled at once; each write below recomputes its years
    check()
    added = services.violation_create(
        company=records["other"],
        authority=records["court"],
        kind="fine",
        amount=Decimal("2500000"),
        currency="USD",
        decided_on=datetime.date(2020, 4, 4),
        is_published=True,
    )
    check()
    services.record_update(added, amount=Decimal("500"))  # from the millions to the hundreds
    check()
    undated = Settlement.objects.get(announced_on=None)
    services.exchange_rate_set(currency="GBP", year=2020, usd_per_unit=Decimal("1.30"))
    services.record_update(undated, amount=Decimal("3000000"))
    undated.refresh_from_db()
    assert undated.amount_usd is not None  # now in a band, in the year-0 slice
    check()
    records_set_published(Violation.objects.filter(pk=added.pk), False)
    check()
    records_set_published(Settlement.objects.filter(currency="USD"), False)
    check()
    Violation.objects.filter(pk=added.pk).delete()
    Settlement.objects.filter(pk=undated.pk).delete()
    check()


@pytest.mark.parametrize(
    "url",
    [
        "/violations/?amount_min=100000&amount_max=1000000&sort=-amount",
        "/violations/?amount_min=99999.5&year_from=2019",
        "/settlements/?amount_min=1000000&amount_max=5000000&sort=-amount",
        "/settlements/?amount_max=2345678.90&status=paid",
    ],
)
def test_amount_pages_unchanged_by_the_bands(records, client, monkeypatch, url):
    """The page reads the same from the bands as from the rows (the path before them)."""
    with_bands = client.get(url)
    assert with_bands.status_code == 200
    monkeypatch.setattr(public_selectors, "AMOUNT_FILTERS", {})
    from_rows = client.get(url)
    assert with_bands.content.decode() == from_rows.content.decode()


def test_random_ranges_over_synthetic_records(db):
    """Many amounts, many bands: random ranges (round and not) agree with the rows."""
    import random

    SyntheticGenerator(records=400, seed=5, report=lambda message: None).run()
    generator = random.Random(11)
    for _ in range(15):
        low = Decimal(10 ** generator.uniform(2, 7)).quantize(Decimal("0.01"))
        if generator.random() < 0.3:
            low = amount_bands.band_of(low)
        high = (low * Decimal(generator.uniform(1.05, 50))).quantize(Decimal("0.01"))
        for data in (
            {"amount_min": str(low), "amount_max": str(high)},
            {"amount_min": str(low), "year_from": "2015"},
            {"amount_max": str(high), "currency": "EUR"},
        ):
            for record_type, filterset_class, rows_of, specs, *_ in LISTS:
                filterset = filterset_class(data, queryset=rows_of())
                assert filterset.is_valid(), filterset.errors
                rows = filterset.qs
                figures = list_figures(record_type, rows, filterset.form.cleaned_data, specs, True)
                assert figures.totals == totals(rows), data
                assert figures.count == rows.count(), data
                assert figures.facets == facet_counts(rows, specs), data


def test_raw_sql_writes_are_caught_by_the_triggers(records):
    assert_summaries_match_rows()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_violation SET amount_usd = amount_usd * 3")
        cursor.execute("UPDATE cases_settlement SET is_published = NOT is_published")
    assert_summaries_match_rows()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_settlement SET is_published = NOT is_published")
        cursor.execute("UPDATE cases_settlement SET amount_usd = amount_usd + 1500000")
        cursor.execute("DELETE FROM cases_violation_laws")
        cursor.execute("DELETE FROM cases_violation WHERE amount = 300")
    assert_summaries_match_rows()


def test_csv_import(records, seed):
    data = (Path(__file__).parent / "fixtures" / "imports" / "gdpr_dirty.csv").read_bytes()
    assert_summaries_match_rows()
    before = Violation.objects.count()
    import_records(data, publish=True)
    assert Violation.objects.count() > before
    assert_summaries_match_rows()


def test_accepting_an_article_finding(records, editor):
    article = Article.objects.create(
        url="https://news.example.org/story",
        title="Other settles",
        publisher="Example News",
        published_on=datetime.date(2024, 3, 1),
        status=ArticleStatus.EXTRACTED,
        text="Text.",
    )
    finding = Finding.objects.create(
        article=article,
        kind=Finding.Kind.SETTLEMENT,
        company_name="Other",
        company=records["other"],
        amount=Decimal("12000000"),
        currency="USD",
        date=datetime.date(2024, 2, 29),
        date_precision="day",
        sentence="Other agreed to pay $12 million to settle the class action.",
        confidence=Decimal("0.8"),
        fingerprint="fp-summary",
    )
    assert_summaries_match_rows()
    record = article_services.finding_accept(finding, user=editor)
    assert record is not None
    records_set_published(type(record).objects.filter(pk=record.pk), True)
    records_set_published(Lawsuit.objects.all(), True)
    assert_summaries_match_rows()


def test_synthetic_loader_rebuilds_once(db):
    SyntheticGenerator(records=400, seed=3, report=lambda message: None).run()
    assert PublicSummary.objects.exists()
    assert not SummaryDirty.objects.exists()
    assert_summaries_match_rows()


def test_rebuild_repairs_a_tampered_summary(records):
    summary.settle()
    PublicSummary.objects.filter(record_type="violation").update(record_count=999)
    CompanyTotals.objects.all().delete()
    summary.rebuild()
    assert_summaries_match_rows()


def test_rebuild_repairs_a_tampered_family_summary(records):
    summary.settle()
    assert FamilySummary.objects.filter(company=records["parent"]).exists()
    FamilySummary.objects.update(record_count=999)
    FamilySummary.objects.create(
        company=records["other"], grain="totals", record_type="violation", year=2001, record_count=5
    )
    summary.rebuild()
    assert_summaries_match_rows()


def test_a_lawsuit_with_two_defendants_in_one_family_is_counted_once(records):
    # The fixture's lawsuit names both the parent and its child; it has two settlements.
    parent = records["parent"]
    group, _ = company_overview(parent, True)
    assert group.lawsuit_count == 1
    assert group.settlement_totals.count == 2
    assert group.violation_totals.count == 2
    cleaned = {"company": parent, "include_subsidiaries": "1"}
    assert list_count("settlement", cleaned) == 2
    assert list_count("violation", cleaned) == 2
    stored = FamilySummary.objects.filter(company=parent, grain="totals")
    assert sum(stored.filter(record_type="settlement").values_list("record_count", flat=True)) == 2
    assert sum(stored.filter(record_type="lawsuit").values_list("record_count", flat=True)) == 1
    assert_summaries_match_rows()


def test_subsidiaries_added_moved_and_removed(records):
    parent, child, other = records["parent"], records["child"], records["other"]
    grandchild = CompanyFactory(name="Grandchild", slug="grandchild", parent=child)
    assert_summaries_match_rows()
    ViolationFactory(
        company=grandchild, authority=records["court"], decided_on=datetime.date(2021, 2, 2)
    )
    LawsuitFactory(defendants=[grandchild, other], authority=records["regulator"])
    assert_summaries_match_rows()
    # The middle of the family moves, with its own subsidiary, under another company.
    company_set_parent(company=child, parent=other)
    assert_summaries_match_rows()
    # A company that had no subsidiary gets one (its first family summary) and loses it.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE companies_company SET parent_id = %s WHERE id = %s", [parent.pk, other.pk]
        )
    assert_summaries_match_rows()
    Company.objects.filter(pk=grandchild.pk).update(parent=None)
    assert_summaries_match_rows()
    # A defendant added to and removed from a family's lawsuit.
    lawsuit = records["lawsuit"]
    lawsuit.defendant_links.create(company=other)
    assert_summaries_match_rows()
    lawsuit.defendant_links.filter(company=child).delete()
    assert_summaries_match_rows()
    # An unpublished subsidiary still counts in its family, as the pages count it.
    Company.objects.filter(pk=child.pk).update(is_published=False)
    assert_summaries_match_rows()
    empty = CompanyFactory(name="Empty", slug="empty", parent=grandchild)
    assert_summaries_match_rows()
    empty.delete()
    assert_summaries_match_rows()
    assert not FamilySummary.objects.filter(company=grandchild).exists()


def test_family_pages_show_what_the_rows_give(records, client, monkeypatch):
    """The company page, the filtered list and the API, from the family summary and from
    the rows (the summary switched off), are the same bytes."""
    from cases import public_selectors

    ViolationFactory(
        company=records["child"], authority=records["court"], decided_on=datetime.date(2021, 2, 2)
    )
    urls = [
        "/companies/parent/",
        "/companies/parent/?include_subsidiaries=0",
        "/settlements/?company=parent",
        "/settlements/?company=parent&year=2019",
        "/violations/?company=parent&kind=fine",
        "/violations/?company=parent&year_from=2020",
        "/api/settlements/?company=parent",
        "/api/violations/?company=parent&year=2021",
    ]
    with_summary = {url: client.get(url) for url in urls}
    assert FamilySummary.objects.filter(company=records["parent"]).exists()
    monkeypatch.setattr(public_selectors, "has_subsidiaries", lambda company: False)
    for url in urls:
        without = client.get(url)
        assert with_summary[url].status_code == without.status_code == 200, url
        assert with_summary[url].content == without.content, url
    assert b"Court" in with_summary["/violations/?company=parent&year_from=2020"].content
