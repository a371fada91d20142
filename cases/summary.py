"""Precomputed totals of the public records, kept exact on every write.

Why this design
---------------
At a million records, the lists' count, totals per currency and facets, the statistics and
the company totals each aggregated every matching row (seconds each). They now read two
small derived tables: ``PublicSummary`` (per record type and year, and per kind, status and
currency, or per authority, or per law) and ``CompanyTotals`` (per company).

How they stay exact: **database triggers mark, readers recompute.** Triggers on every table
a public figure depends on (records, lawsuits, their links, and the publication flags of
companies and authorities) insert the *slice* a write touched into ``SummaryDirty``: a
(record type, year) or a company. Before any read of the summaries, ``settle()`` takes the
dirty slices (one cheap query when there are none) and recomputes exactly those slices from
the rows, in one transaction.

- Triggers, not service code, because the writes are many and some bypass the ORM's
  signals: the admin's publish actions (``queryset.update``), bulk imports, re-deriving USD
  values (``bulk_update``), COPY, raw SQL, a history revert, a future code path nobody
  remembered. A trigger sees them all, on PostgreSQL and on SQLite alike.
- Recomputing a slice, not adding deltas, because a slice recomputed from the rows cannot
  drift: whatever went wrong before, the next read after a write to that year or company
  makes it right again. Deltas would also have to follow every publication rule (a
  violation is public only while its company and authority are) inside the triggers.
- Names, slugs, countries and the publication of authorities and laws are joined at read
  time (small tables), so renaming or unpublishing them needs no recomputation.

Company families: ``FamilySummary`` holds, for every company that has at least one
subsidiary (published or not, as the family filter counts them), its whole subtree's public
figures: per record type and year, by kind, status and currency, and by authority, each
record counted once however many of its lawsuit's defendants are in the family. A company
mark (its records, its lawsuits' links or its publication changed) recomputes the family of
the company and of every company above it; a trigger on ``companies_company`` marks the old
and the new parent when a company joins, leaves or moves within a family. A family is
recomputed whole (five INSERT … SELECT groupings over its records), paid by the first read
after a write to any company in it: for the largest family of a 200,000-record synthetic
database, 4 s on a heavily loaded machine (its queries' own time about 1.3 s), so expect
the order of a few seconds for the largest family at a million records (not yet measured
there); the number of queries grows with the number of families marked.

A write therefore costs one tiny insert per touched slice, and the first read after it pays
for recomputing that slice (one year of one record type: tens of thousands of rows, well
under a second at a million records). ``rebuild()`` (``manage.py rebuild_summaries``)
recomputes everything; the synthetic loader calls it once after loading with triggers off.
"""

from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, DecimalField, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear

from cases.amount_bands import band_expression
from cases.models import (
    CompanyTotals,
    FamilySummary,
    Lawsuit,
    LawsuitDefendant,
    PublicSummary,
    Settlement,
    SummaryDirty,
    SummaryGrain,
    Violation,
)
from companies.models import Company

MONEY = DecimalField(max_digits=30, decimal_places=2)

# --- Which rows are public, and where each record type keeps its dimensions ---------------


def _public_violations() -> QuerySet:
    return Violation.objects.filter(
        is_published=True, company__is_published=True, authority__is_published=True
    )


def _public_settlements() -> QuerySet:
    return Settlement.objects.filter(is_published=True, lawsuit__is_published=True)


def _public_lawsuits() -> QuerySet:
    return Lawsuit.objects.filter(is_published=True)


RECORD_TYPES = {
    # record type: (public rows, date, kind, status, authority, law, has money)
    "violation": (_public_violations, "decided_on", "kind", "status", "authority_id", "laws", True),
    "settlement": (
        _public_settlements,
        "announced_on",
        "lawsuit__kind",
        "status",
        "lawsuit__authority_id",
        "lawsuit__laws",
        True,
    ),
    "lawsuit": (_public_lawsuits, "filed_on", "kind", "status", "authority_id", "laws", False),
}


def _year(date_field: str):
    return Coalesce(ExtractYear(date_field), Value(0), output_field=IntegerField())


def _in_years(date_field: str, years: set[int]) -> Q:
    """Rows whose date falls in one of the years (0: no date), as index-friendly ranges."""
    import datetime

    condition = Q(pk__in=[])
    for year in years:
        if year == 0:
            condition |= Q(**{f"{date_field}__isnull": True})
        else:
            condition |= Q(
                **{
                    f"{date_field}__gte": datetime.date(year, 1, 1),
                    f"{date_field}__lt": datetime.date(year + 1, 1, 1),
                }
            )
    return condition


def _summary_rows(record_type: str, years: set[int] | None) -> list[PublicSummary]:
    rows_of, date, kind, status, authority, law, has_money = RECORD_TYPES[record_type]
    rows = rows_of().order_by()
    if years is not None:
        rows = rows.filter(_in_years(date, years))
    rows = rows.annotate(summary_year=_year(date))
    money = {}
    if has_money:
        money = {"usd_total": Sum("amount_usd"), "usd_count": Count("amount_usd")}
    result = []
    totals = rows.values("summary_year", kind, status, *(["currency"] if has_money else []))
    totals = totals.annotate(
        record_count=Count("pk"), **({"amount_total": Sum("amount")} | money if has_money else {})
    )
    for row in totals:
        result.append(
            PublicSummary(
                grain=SummaryGrain.TOTALS,
                record_type=record_type,
                year=row["summary_year"],
                kind=row[kind],
                status=row[status],
                currency=row.get("currency", ""),
                record_count=row["record_count"],
                amount_total=row.get("amount_total") or 0,
                usd_total=row.get("usd_total") or 0,
                usd_count=row.get("usd_count", 0),
            )
        )
    if not has_money:
        return result
    for row in rows.values("summary_year", authority).annotate(record_count=Count("pk"), **money):
        result.append(
            PublicSummary(
                grain=SummaryGrain.AUTHORITY,
                record_type=record_type,
                year=row["summary_year"],
                authority_id=row[authority],
                record_count=row["record_count"],
                usd_total=row["usd_total"] or 0,
                usd_count=row["usd_count"],
            )
        )
    by_law = rows.filter(**{f"{law}__isnull": False}).values("summary_year", f"{law}__id")
    for row in by_law.annotate(record_count=Count("pk"), **money):
        result.append(
            PublicSummary(
                grain=SummaryGrain.LAW,
                record_type=record_type,
                year=row["summary_year"],
                law_id=row[f"{law}__id"],
                record_count=row["record_count"],
                usd_total=row["usd_total"] or 0,
                usd_count=row["usd_count"],
            )
        )
    return result


SUMMARY_COLUMNS = (
    "grain",
    "record_type",
    "year",
    "amount_band",
    "kind",
    "status",
    "currency",
    "authority_id",
    "record_count",
    "amount_total",
    "usd_total",
    "usd_count",
)


def _insert_grouped(grain: str, record_type: str, grouped: QuerySet) -> None:
    """INSERT ... SELECT the rows of a grouped queryset into ``PublicSummary``.

    ``grouped`` names each value like a column of ``SUMMARY_COLUMNS`` prefixed with ``s_``
    (missing ones are blank or zero). One statement, so that the band grains' tens of
    thousands of rows never travel through Python.
    """
    select, params = grouped.query.sql_with_params()
    names = set(grouped.query.values_select) | set(grouped.query.annotation_select)
    defaults = {"kind": "''", "status": "''", "currency": "''", "authority_id": "NULL"}
    defaults |= {"amount_band": "NULL", "amount_total": "0", "usd_total": "0", "usd_count": "0"}
    values = []
    for column in SUMMARY_COLUMNS[2:]:
        if f"s_{column}" not in names:
            values.append(defaults[column])
        elif column in ("amount_total", "usd_total"):
            values.append(f"COALESCE(grouped.s_{column}, 0)")
        else:
            values.append(f"grouped.s_{column}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PublicSummary._meta.db_table} ({', '.join(SUMMARY_COLUMNS)}) "
            f"SELECT %s, %s, {', '.join(values)} FROM ({select}) grouped",
            [grain, record_type, *params],
        )


def _insert_band_rows(record_type: str, years: set[int] | None) -> None:
    """The band grains of these years: per (year, band, kind, status, currency) and per
    (year, band, authority), straight from the rows (see ``cases.amount_bands``)."""
    rows_of, date, kind, status, authority, _law, _money = RECORD_TYPES[record_type]
    rows = rows_of().order_by()
    if years is not None:
        rows = rows.filter(_in_years(date, years))
    rows = rows.annotate(
        s_year=_year(date),
        s_amount_band=band_expression("amount_usd"),
        s_kind=F(kind),
        s_status=F(status),
        s_currency=F("currency"),
        s_authority_id=F(authority),
    )
    money = {"s_usd_total": Sum("amount_usd"), "s_usd_count": Count("amount_usd")}
    by_kind = rows.values("s_year", "s_amount_band", "s_kind", "s_status", "s_currency")
    by_kind = by_kind.annotate(
        s_record_count=Count("pk"), s_amount_total=Sum("amount"), **money
    ).order_by()
    _insert_grouped(SummaryGrain.BAND, record_type, by_kind)
    by_authority = rows.values("s_year", "s_amount_band", "s_authority_id")
    by_authority = by_authority.annotate(s_record_count=Count("pk"), **money).order_by()
    _insert_grouped(SummaryGrain.BAND_AUTHORITY, record_type, by_authority)
    _insert_band_years(record_type, years)


def _insert_band_years(record_type: str, years: set[int] | None) -> None:
    """The per-(year, band) rows of these years, summed from their band rows just inserted:
    an amount range's year facet reads them (hundreds of rows, not tens of thousands)."""
    band_rows = PublicSummary.objects.filter(record_type=record_type, grain=SummaryGrain.BAND)
    if years is not None:
        band_rows = band_rows.filter(year__in=years)
    grouped = (
        band_rows.order_by()
        .annotate(s_year=F("year"), s_amount_band=F("amount_band"))
        .values("s_year", "s_amount_band")
        .annotate(
            s_record_count=Sum("record_count"),
            s_usd_total=Sum("usd_total"),
            s_usd_count=Sum("usd_count"),
        )
        .order_by()
    )
    _insert_grouped(SummaryGrain.BAND_YEAR, record_type, grouped)


def _recompute_years(record_type: str, years: set[int] | None) -> None:
    stale = PublicSummary.objects.filter(record_type=record_type)
    if years is not None:
        stale = stale.filter(year__in=years)
    stale.delete()
    PublicSummary.objects.bulk_create(_summary_rows(record_type, years), batch_size=2000)
    if RECORD_TYPES[record_type][-1]:
        _insert_band_rows(record_type, years)
        _recompute_all_years(record_type)


ALL_YEARS = {
    SummaryGrain.AUTHORITY: (SummaryGrain.AUTHORITY_ALL_YEARS, "authority_id"),
    SummaryGrain.LAW: (SummaryGrain.LAW_ALL_YEARS, "law_id"),
}


def _recompute_all_years(record_type: str) -> None:
    """The rows of all years (per authority, per law, and the band grains'), summed from the
    per-year rows: exact whenever the years are."""
    for grain, (all_years, key) in ALL_YEARS.items():
        PublicSummary.objects.filter(record_type=record_type, grain=all_years).delete()
        per_year = PublicSummary.objects.filter(record_type=record_type, grain=grain)
        rows = (
            per_year.order_by()
            .values(key)
            .annotate(count=Sum("record_count"), usd=Sum("usd_total"), usd_known=Sum("usd_count"))
        )
        PublicSummary.objects.bulk_create(
            [
                PublicSummary(
                    grain=all_years,
                    record_type=record_type,
                    year=0,
                    record_count=row["count"],
                    usd_total=row["usd"],
                    usd_count=row["usd_known"],
                    **{key: row[key]},
                )
                for row in rows
            ],
            batch_size=2000,
        )
    # The same for the amount bands, one statement each (tens of thousands of rows).
    for per_year in BAND_ALL_YEARS:
        _insert_band_all_years(record_type, per_year)


# Band grains summed over the years: per-year grain: (all-years grain, its dimensions).
BAND_ALL_YEARS = {
    SummaryGrain.BAND_AUTHORITY: (SummaryGrain.BAND_AUTHORITY_ALL_YEARS, ("authority_id",)),
    SummaryGrain.BAND: (SummaryGrain.BAND_ALL_YEARS, ("kind", "status", "currency")),
}


def _insert_band_all_years(record_type: str, per_year: str) -> None:
    """Replace an all-years band grain by the sum of its per-year rows (year 0)."""
    all_years, dimensions = BAND_ALL_YEARS[per_year]
    PublicSummary.objects.filter(record_type=record_type, grain=all_years).delete()
    dimensions = ("amount_band", *dimensions)
    grouped = (
        PublicSummary.objects.filter(record_type=record_type, grain=per_year)
        .order_by()
        .annotate(**{f"s_{name}": F(name) for name in dimensions})
        .values(*(f"s_{name}" for name in dimensions))
        .annotate(
            s_year=Value(0),
            s_record_count=Sum("record_count"),
            s_amount_total=Sum("amount_total"),
            s_usd_total=Sum("usd_total"),
            s_usd_count=Sum("usd_count"),
        )
        .order_by()
    )
    _insert_grouped(all_years, record_type, grouped)


def fill_band_summaries() -> None:
    """Compute the year-and-band and all-years band rows from the band rows (for migration
    0011, which adds those grains; afterwards every recomputation keeps them)."""
    with transaction.atomic():
        for record_type, (*_, has_money) in RECORD_TYPES.items():
            if not has_money:
                continue
            PublicSummary.objects.filter(
                record_type=record_type, grain=SummaryGrain.BAND_YEAR
            ).delete()
            _insert_band_years(record_type, None)
            _insert_band_all_years(record_type, SummaryGrain.BAND)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_publicsummary")


def _company_totals(company_ids: list[int] | None) -> list[CompanyTotals]:
    """Each company's own public records: lawsuits and settlements count for every defendant."""
    totals = defaultdict(dict)

    def scoped(queryset, path):
        if company_ids is None:
            return queryset
        return queryset.filter(**{f"{path}__in": company_ids})

    violations = scoped(_public_violations().order_by(), "company_id").values("company_id")
    for row in violations.annotate(count=Count("pk"), usd=Sum("amount_usd")):
        totals[row["company_id"]] |= {"violation_count": row["count"], "violations_usd": row["usd"]}
    defendants = LawsuitDefendant.objects.order_by()
    settlements = scoped(
        defendants.filter(lawsuit__is_published=True, lawsuit__settlements__is_published=True),
        "company_id",
    ).values("company_id")
    for row in settlements.annotate(
        count=Count("lawsuit__settlements"), usd=Sum("lawsuit__settlements__amount_usd")
    ):
        totals[row["company_id"]] |= {
            "settlement_count": row["count"],
            "settlements_usd": row["usd"],
        }
    lawsuits = scoped(defendants.filter(lawsuit__is_published=True), "company_id")
    for row in lawsuits.values("company_id").annotate(count=Count("pk")):
        totals[row["company_id"]] |= {"lawsuit_count": row["count"]}
    result = []
    for company_id, values in totals.items():
        settlements_usd = values.get("settlements_usd") or Decimal(0)
        violations_usd = values.get("violations_usd") or Decimal(0)
        result.append(
            CompanyTotals(
                company_id=company_id,
                lawsuit_count=values.get("lawsuit_count", 0),
                settlement_count=values.get("settlement_count", 0),
                settlements_usd=settlements_usd,
                violation_count=values.get("violation_count", 0),
                violations_usd=violations_usd,
                total_usd=settlements_usd + violations_usd,
            )
        )
    return result


def _recompute_companies(company_ids: list[int] | None) -> None:
    if company_ids is None:
        CompanyTotals.objects.all().delete()
        CompanyTotals.objects.bulk_create(_company_totals(None), batch_size=2000)
        return
    for start in range(0, len(company_ids), 1000):
        chunk = company_ids[start : start + 1000]
        CompanyTotals.objects.filter(company_id__in=chunk).delete()
        CompanyTotals.objects.bulk_create(_company_totals(chunk), batch_size=2000)


# --- Family summaries ----------------------------------------------------------------------


FAMILY_COLUMNS = (
    "company_id, grain, record_type, year, kind, status, currency, authority_id, "
    "record_count, amount_total, usd_total, usd_count"
)


def _insert_family_rows(company_id: int) -> None:
    """Insert a family's public figures: by year and kind, status and currency, and by year
    and authority (amounts, settlements and penalties only).

    The family's records are selected exactly as the pages select them
    (``for_company(company, include_family=True)``: a settlement or lawsuit once, however
    many of its defendants are in the family). Each grouping is one INSERT … SELECT, so a
    large family's thousands of rows never pass through Python.
    """
    company = Company(pk=company_id)
    for record_type, (rows_of, date, kind, status, authority, _, has_money) in RECORD_TYPES.items():
        rows = rows_of().for_company(company, include_family=True).order_by()
        rows = rows.annotate(summary_year=_year(date))
        money = {}
        if has_money:
            money = {"usd_total": Sum("amount_usd"), "usd_count": Count("amount_usd")}
        groupings = [
            (
                SummaryGrain.TOTALS,
                {"kind": kind, "status": status, **({"currency": "currency"} if has_money else {})},
                {"amount_total": Sum("amount")} if has_money else {},
            )
        ]
        if has_money:
            groupings.append((SummaryGrain.AUTHORITY, {"authority_id": authority}, {}))
        for grain, dimensions, amounts in groupings:
            grouped = rows.values("summary_year", *dimensions.values()).annotate(
                record_count=Count("pk"), **money, **amounts
            )
            sql, params = grouped.query.sql_with_params()

            def column(name, default, dimensions=dimensions, aggregates=(*money, *amounts)):
                if name in dimensions:
                    return f'grouped."{dimensions[name]}"'
                if name in aggregates:
                    return f'COALESCE(grouped."{name}", 0)'
                return default

            select = ", ".join(
                [
                    "%s",
                    "%s",
                    "%s",
                    'grouped."summary_year"',
                    column("kind", "''"),
                    column("status", "''"),
                    column("currency", "''"),
                    column("authority_id", "NULL"),
                    'grouped."record_count"',
                    column("amount_total", "0"),
                    column("usd_total", "0"),
                    column("usd_count", "0"),
                ]
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO cases_familysummary ({FAMILY_COLUMNS}) "
                    f"SELECT {select} FROM ({sql}) grouped",
                    (company_id, grain, record_type, *params),
                )


ANCESTORS_SQL = """
WITH RECURSIVE up(id) AS (
    SELECT id FROM companies_company WHERE id IN ({ids})
    UNION
    SELECT c.parent_id FROM companies_company c JOIN up ON c.id = up.id
    WHERE c.parent_id IS NOT NULL
)
SELECT id FROM up
"""


def _chunks(ids, size: int = 500):
    ids = sorted(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _with_ancestors(company_ids: set[int]) -> set[int]:
    """The companies and every company above them (UNION stops on a cycle)."""
    result = set(company_ids)
    with connection.cursor() as cursor:
        for chunk in _chunks(company_ids):
            cursor.execute(ANCESTORS_SQL.format(ids=", ".join(["%s"] * len(chunk))), chunk)
            result.update(row[0] for row in cursor.fetchall())
    return result


def _recompute_families(company_ids: set[int] | None) -> None:
    """Recompute the family figures of these companies and all their ancestors (all: None).

    Each family is recomputed whole (every record type and year of the subtree): a mark
    says which company changed, not which record, and a family's three grouped queries
    cost about what the company page's own aggregates cost before this summary existed.
    """
    parents = Company.objects.exclude(parent=None).order_by().values_list("parent_id", flat=True)
    if company_ids is None:
        FamilySummary.objects.all().delete()
        families = set(parents)
    else:
        scope = _with_ancestors(company_ids)
        families = set()
        for chunk in _chunks(scope):
            FamilySummary.objects.filter(company_id__in=chunk).delete()
            families.update(parents.filter(parent_id__in=chunk))
    for company_id in sorted(families):
        _insert_family_rows(company_id)


def rebuild(families: bool = True) -> None:
    """Recompute every summary from the rows (after a bulk load with triggers off).

    ``families=False`` leaves out ``FamilySummary`` (for migration 0007, which runs before
    its table exists; migration 0009 fills it).
    """
    with transaction.atomic():
        SummaryDirty.objects.all().delete()
        for record_type in RECORD_TYPES:
            _recompute_years(record_type, None)
        _recompute_companies(None)
        if families:
            _recompute_families(None)
    if connection.vendor == "postgresql":
        # Fresh statistics, so the planner knows these tables' sizes right away.
        with connection.cursor() as cursor:
            tables = "cases_publicsummary, cases_companytotals"
            cursor.execute(f"ANALYZE {tables}" + (", cases_familysummary" if families else ""))


def rebuild_families() -> None:
    """Recompute every family's figures from the rows (``rebuild()`` includes this)."""
    with transaction.atomic():
        _recompute_families(None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_familysummary")


def settle() -> None:
    """Recompute the slices the triggers marked since the last read; one query if none."""
    if not SummaryDirty.objects.exists():
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Taking the marks and recomputing in one transaction: a mark made after this
            # DELETE stays for the next reader, so no write is ever missed.
            cursor.execute("DELETE FROM cases_summarydirty RETURNING scope, record_type, key")
            marks = cursor.fetchall()
        years = defaultdict(set)
        companies = set()
        for scope, record_type, key in marks:
            if scope == "year":
                years[record_type].add(int(key))
            else:
                companies.add(int(key))
        for record_type, record_years in years.items():
            if record_type in RECORD_TYPES:
                _recompute_years(record_type, record_years)
        if companies:
            _recompute_companies(sorted(companies))
            _recompute_families(companies)


# --- Triggers ------------------------------------------------------------------------------

# Each trigger: (name, table, event, condition or "", statements). In statements, {Y:expr}
# is replaced by the year of a date expression (0 when NULL), and INSERT_MARK ... ON_CONFLICT
# by the dialect's "insert unless already there".
MARK_YEAR = (
    "INSERT_MARK (scope, record_type, key) VALUES ('year', '{type}', {{Y:{date}}}) ON_CONFLICT"
)
MARK_COMPANY = "INSERT_MARK (scope, record_type, key) VALUES ('company', '', {company}) ON_CONFLICT"


def _mark_company_if_any(company: str) -> str:
    """Mark a company given by a nullable expression (a parent), unless it is NULL."""
    return (
        "INSERT_MARK (scope, record_type, key) SELECT 'company', '', "
        f"{company} WHERE {company} IS NOT NULL ON_CONFLICT"
    )


def _mark_year(record_type: str, date: str) -> str:
    return MARK_YEAR.format(type=record_type, date=date)


def _mark_company(company: str) -> str:
    return MARK_COMPANY.format(company=company)


def _mark_settlement_years(lawsuit: str) -> str:
    return (
        "INSERT_MARK (scope, record_type, key) SELECT DISTINCT 'year', 'settlement', "
        f"{{Y:s.announced_on}} FROM cases_settlement s WHERE s.lawsuit_id = {lawsuit} ON_CONFLICT"
    )


def _mark_defendants(lawsuit: str) -> str:
    return (
        "INSERT_MARK (scope, record_type, key) SELECT DISTINCT 'company', '', d.company_id "
        f"FROM cases_lawsuitdefendant d WHERE d.lawsuit_id = {lawsuit} ON_CONFLICT"
    )


def _mark_lawsuit_year(lawsuit: str) -> str:
    return (
        "INSERT_MARK (scope, record_type, key) SELECT 'year', 'lawsuit', {Y:l.filed_on} "
        f"FROM cases_lawsuit l WHERE l.id = {lawsuit} ON_CONFLICT"
    )


def _mark_violation_year(violation: str) -> str:
    return (
        "INSERT_MARK (scope, record_type, key) SELECT 'year', 'violation', {Y:v.decided_on} "
        f"FROM cases_violation v WHERE v.id = {violation} ON_CONFLICT"
    )


def _mark_violations_of(column: str, value: str) -> list[str]:
    return [
        "INSERT_MARK (scope, record_type, key) SELECT DISTINCT 'year', 'violation', "
        f"{{Y:v.decided_on}} FROM cases_violation v WHERE v.{column} = {value} ON_CONFLICT",
        "INSERT_MARK (scope, record_type, key) SELECT DISTINCT 'company', '', v.company_id "
        f"FROM cases_violation v WHERE v.{column} = {value} ON_CONFLICT",
    ]


def _row_triggers(table: str, name: str, statements_for) -> list[tuple]:
    """Insert, update and delete triggers whose statements depend on NEW / OLD rows."""
    return [
        (f"{name}_ins", table, "INSERT", "", statements_for("NEW")),
        (f"{name}_upd", table, "UPDATE", "", statements_for("OLD") + statements_for("NEW")),
        (f"{name}_del", table, "DELETE", "", statements_for("OLD")),
    ]


TRIGGERS = [
    *_row_triggers(
        "cases_violation",
        "summary_violation",
        lambda row: [
            _mark_year("violation", f"{row}.decided_on"),
            _mark_company(f"{row}.company_id"),
        ],
    ),
    *_row_triggers(
        "cases_violation_laws",
        "summary_violation_laws",
        lambda row: [_mark_violation_year(f"{row}.violation_id")],
    ),
    *_row_triggers(
        "cases_settlement",
        "summary_settlement",
        lambda row: [
            _mark_year("settlement", f"{row}.announced_on"),
            _mark_defendants(f"{row}.lawsuit_id"),
        ],
    ),
    *_row_triggers(
        "cases_lawsuit",
        "summary_lawsuit",
        lambda row: [
            _mark_year("lawsuit", f"{row}.filed_on"),
            _mark_settlement_years(f"{row}.id"),
            _mark_defendants(f"{row}.id"),
        ],
    ),
    *_row_triggers(
        "cases_lawsuit_laws",
        "summary_lawsuit_laws",
        lambda row: [
            _mark_lawsuit_year(f"{row}.lawsuit_id"),
            _mark_settlement_years(f"{row}.lawsuit_id"),
        ],
    ),
    *_row_triggers(
        "cases_lawsuitdefendant",
        "summary_defendant",
        lambda row: [_mark_company(f"{row}.company_id")],
    ),
    (
        "summary_company_publish",
        "companies_company",
        "UPDATE",
        "OLD.is_published <> NEW.is_published",
        [*_mark_violations_of("company_id", "NEW.id"), _mark_company("NEW.id")],
    ),
    # A family's figures change when a company joins, leaves or moves within it: the old
    # and the new parent are marked, and with them every company above (``settle``).
    (
        "summary_company_parent_ins",
        "companies_company",
        "INSERT",
        "NEW.parent_id IS NOT NULL",
        [_mark_company("NEW.parent_id")],
    ),
    (
        "summary_company_parent_upd",
        "companies_company",
        "UPDATE",
        "OLD.parent_id IS DISTINCT FROM NEW.parent_id",
        [_mark_company_if_any("OLD.parent_id"), _mark_company_if_any("NEW.parent_id")],
    ),
    (
        "summary_company_parent_del",
        "companies_company",
        "DELETE",
        "",
        [_mark_company("OLD.id"), _mark_company_if_any("OLD.parent_id")],
    ),
    (
        "summary_authority_publish",
        "cases_authority",
        "UPDATE",
        "OLD.is_published <> NEW.is_published",
        _mark_violations_of("authority_id", "NEW.id"),
    ),
]

TRIGGER_TABLES = sorted({table for _, table, _, _, _ in TRIGGERS})


def _dialect(statement: str, vendor: str) -> str:
    import re

    if vendor == "postgresql":
        statement = statement.replace("INSERT_MARK", "INSERT INTO cases_summarydirty")
        statement = statement.replace("ON_CONFLICT", "ON CONFLICT DO NOTHING")
        year = r"COALESCE(EXTRACT(YEAR FROM \1)::integer, 0)"
    else:
        statement = statement.replace("INSERT_MARK", "INSERT OR IGNORE INTO cases_summarydirty")
        statement = statement.replace(" ON_CONFLICT", "")
        year = r"COALESCE(CAST(strftime('%Y', \1) AS INTEGER), 0)"
    return re.sub(r"\{Y:([^}]+)\}", year, statement)


def trigger_sql(vendor: str) -> list[str]:
    """The statements that (re)create every summary trigger on this database."""
    sql = []
    for name, table, event, condition, statements in TRIGGERS:
        body = ";\n".join(_dialect(statement, vendor) for statement in statements)
        if vendor == "postgresql":
            when = f"WHEN ({condition})" if condition else ""
            sql.append(
                f"CREATE OR REPLACE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{body};\nRETURN NULL;\nEND $$"
            )
            sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            sql.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when} "
                f"EXECUTE FUNCTION {name}_fn()"
            )
        else:
            condition = condition.replace("IS DISTINCT FROM", "IS NOT")
            when = f"WHEN {condition}" if condition else ""
            sql.append(f"DROP TRIGGER IF EXISTS {name}")
            sql.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when}\n"
                f"BEGIN\n{body};\nEND"
            )
    return sql


def drop_trigger_sql(vendor: str, prefix: str = "") -> list[str]:
    """The statements that drop the summary triggers (those whose name starts with prefix)."""
    sql = []
    for name, table, *_ in TRIGGERS:
        if not name.startswith(prefix):
            continue
        if vendor == "postgresql":
            sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            sql.append(f"DROP FUNCTION IF EXISTS {name}_fn()")
        else:
            sql.append(f"DROP TRIGGER IF EXISTS {name}")
    return sql


def install_triggers(schema_editor) -> None:
    for statement in trigger_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def remove_triggers(schema_editor) -> None:
    for statement in drop_trigger_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def triggers_enabled_sql(enabled: bool) -> list[str]:
    """PostgreSQL: switch the summary triggers off for a bulk load (then ``rebuild()``)."""
    action = "ENABLE" if enabled else "DISABLE"
    return [f"ALTER TABLE {table} {action} TRIGGER {name}" for name, table, *_ in TRIGGERS]
