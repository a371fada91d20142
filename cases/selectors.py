"""Reads the pages, feeds and API need: totals, rollups and a company's record by year."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractYear

from cases.models import Lawsuit, Settlement, Violation
from companies.models import Company


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    total: Decimal


@dataclass
class Totals:
    """Sums per currency are exact; the USD sum is approximate and says how many it misses."""

    count: int = 0
    by_currency: list[CurrencyTotal] = field(default_factory=list)
    usd_approximate: Decimal = Decimal(0)
    without_usd: int = 0


def totals(queryset: QuerySet) -> Totals:
    """Count, sum per currency and approximate USD sum of settlements or violations."""
    return totals_from_rows(
        per_currency(
            queryset,
            count=Count("id"),
            total=Sum("amount"),
            usd=Sum("amount_usd"),
            usd_known=Count("amount_usd"),
        )
    )


def per_currency(queryset: QuerySet, **aggregates) -> QuerySet:
    """One row per currency with the aggregates totals_from_rows reads (rows or summaries)."""
    return queryset.order_by().values("currency").annotate(**aggregates).order_by("currency")


def totals_from_rows(rows) -> Totals:
    """Totals from rows of currency, count, total, usd and usd_known (rows or summaries)."""
    result = Totals()
    for row in rows:
        result.count += row["count"]
        result.by_currency.append(CurrencyTotal(row["currency"], row["count"], row["total"]))
        result.usd_approximate += row["usd"] or 0
        result.without_usd += row["count"] - row["usd_known"]
    result.by_currency.sort(key=lambda t: (-t.count, t.currency))
    return result


@dataclass(frozen=True)
class YearRecord:
    year: int
    settlements: int
    settlements_usd: Decimal
    violations: int
    violations_usd: Decimal

    @property
    def total_usd(self) -> Decimal:
        return self.settlements_usd + self.violations_usd


def _by_year(queryset: QuerySet, date_field: str) -> dict[int, tuple[int, Decimal]]:
    rows = (
        queryset.exclude(**{f"{date_field}__isnull": True})
        .order_by()
        .annotate(year=ExtractYear(date_field))
        .values("year")
        .annotate(count=Count("id"), usd=Sum("amount_usd"))
    )
    return {row["year"]: (row["count"], row["usd"] or Decimal(0)) for row in rows}


def company_settlements(company: Company, include_family: bool = True, published_only=True):
    qs = Settlement.objects.for_company(company, include_family)
    return qs.published() if published_only else qs


def company_violations(company: Company, include_family: bool = True, published_only=True):
    qs = Violation.objects.for_company(company, include_family)
    return qs.published() if published_only else qs


def company_lawsuits(company: Company, include_family: bool = True, published_only=True):
    qs = Lawsuit.objects.for_company(company, include_family)
    return qs.published() if published_only else qs


def company_record_by_year(
    company: Company, include_family: bool = True, published_only: bool = True
) -> list[YearRecord]:
    """Settlements and violations per year (approximate USD), oldest first, gaps omitted."""
    settlements = _by_year(
        company_settlements(company, include_family, published_only), "announced_on"
    )
    violations = _by_year(company_violations(company, include_family, published_only), "decided_on")
    zero = (0, Decimal(0))
    return [
        YearRecord(
            year=year,
            settlements=settlements.get(year, zero)[0],
            settlements_usd=settlements.get(year, zero)[1],
            violations=violations.get(year, zero)[0],
            violations_usd=violations.get(year, zero)[1],
        )
        for year in sorted(settlements.keys() | violations.keys())
    ]


@dataclass(frozen=True)
class CompanyTotals:
    settlements: Totals
    violations: Totals

    @property
    def usd_approximate(self) -> Decimal:
        return self.settlements.usd_approximate + self.violations.usd_approximate


def company_totals(
    company: Company, include_family: bool = True, published_only: bool = True
) -> CompanyTotals:
    return CompanyTotals(
        settlements=totals(company_settlements(company, include_family, published_only)),
        violations=totals(company_violations(company, include_family, published_only)),
    )
