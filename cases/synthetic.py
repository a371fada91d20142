"""Deterministic synthetic records for benchmarks and scale tests.

Everything it writes is marked: slugs start with ``syn-`` and source addresses live under
``https://synthetic.invalid/``, so ``--clear`` removes exactly what it made and nothing
else. Rows are written in batches (no per-row save, no edit history): with PostgreSQL's
COPY, ids taken from the table's sequence beforehand, and with bulk inserts elsewhere. That
is what makes a million records load in minutes.
"""

import datetime
import io
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from cases import summary
from cases.models import (
    Authority,
    ExchangeRate,
    Law,
    Lawsuit,
    LawsuitDefendant,
    Settlement,
    Source,
    Violation,
)
from companies.models import Company, CompanyAlias
from core.dates import DatePrecision

PREFIX = "syn-"
SOURCE_HOST = "https://synthetic.invalid/"
FIRST_YEAR, LAST_YEAR = 2000, 2026
BATCH = 5000

# Currency, share of records, rough USD per unit (varied by year around this level).
CURRENCIES = [
    ("USD", 0.55, 1.0),
    ("EUR", 0.22, 1.12),
    ("GBP", 0.08, 1.35),
    ("CAD", 0.04, 0.76),
    ("AUD", 0.03, 0.72),
    ("JPY", 0.03, 0.0085),
    ("CHF", 0.02, 1.05),
    ("KRW", 0.02, 0.00082),
    ("INR", 0.01, 0.013),
]
COUNTRIES = ["US", "GB", "DE", "FR", "IE", "NL", "IT", "ES", "CA", "AU", "JP", "KR", "IN", "CN"]
WORDS = [
    "Acme",
    "Global",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Oscorp",
    "Gringotts",
    "Monarch",
    "Aperture",
    "Blue",
    "Sun",
    "Pied",
    "Piper",
    "Massive",
    "Dynamic",
    "Virtucon",
    "Gekko",
    "Prestige",
    "Nakatomi",
    "Weyland",
    "Yoyodyne",
    "Zorg",
    "Duff",
    "Krusty",
    "Sirius",
    "Polar",
    "Vertex",
    "Summit",
    "Harbor",
    "Meridian",
    "Atlas",
    "Beacon",
    "Cascade",
    "Pioneer",
    "Keystone",
]
SUFFIXES = ["Inc.", "LLC", "Ltd", "plc", "GmbH", "S.A.", "Corp.", "Holdings", "Group", "AG"]
LAW_NAMES = ["Privacy", "Consumer", "Data", "Securities", "Antitrust", "Safety", "Labor"]


def bulk_create_batch(model, batch: list) -> list[int]:
    return [obj.pk for obj in model.objects.bulk_create(batch)]


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_batch(model, batch: list) -> list[int]:
    """Write a batch with COPY; ids come from the table's own sequence first, so that they
    are known without reading the rows back and later inserts keep counting from there."""
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(batch)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        buffer = io.StringIO()
        for instance, pk in zip(batch, ids, strict=True):
            instance.pk = pk
            values = [
                field.get_db_prep_save(field.pre_save(instance, True), connection)
                for field in fields
            ]
            buffer.write("\t".join(_copy_text(value) for value in values))
            buffer.write("\n")
        buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
    return ids


@dataclass
class Plan:
    """How many of each thing make up ``records`` browsable records."""

    records: int

    @property
    def violations(self) -> int:
        return int(self.records * 0.70)

    @property
    def lawsuits(self) -> int:
        return int(self.records * 0.15)

    @property
    def settlements(self) -> int:
        return self.records - self.violations - self.lawsuits

    @property
    def companies(self) -> int:
        return max(50, self.records // 40)

    @property
    def authorities(self) -> int:
        return max(10, min(400, self.records // 200))

    @property
    def laws(self) -> int:
        return max(10, min(300, self.records // 300))

    @property
    def sources(self) -> int:
        return max(20, self.records // 10)


class SyntheticGenerator:
    def __init__(self, *, records: int, seed: int = 1, report: Callable[[str], None] = print):
        self.plan = Plan(records)
        self.random = random.Random(seed)
        self.report = report
        self.rates: dict[tuple[str, int], Decimal] = {}

    # -- helpers -----------------------------------------------------------------------
    def _insert(self, label: str, model, rows: Iterator, total: int | None) -> list[int]:
        """Insert generated instances in batches, reporting progress; returns the ids.
        ``total`` is None where the number of rows is drawn at random as they are made."""
        write = copy_batch if connection.vendor == "postgresql" else bulk_create_batch
        ids: list[int] = []
        started = time.monotonic()
        batch = []
        for instance in rows:
            batch.append(instance)
            if len(batch) >= BATCH:
                ids.extend(write(model, batch))
                batch = []
                if len(ids) % (BATCH * 20) == 0:
                    of_total = f"/{total:,}" if total is not None else " so far"
                    self.report(f"  {label}: {len(ids):,}{of_total}")
        if batch:
            ids.extend(write(model, batch))
        if connection.vendor == "postgresql":
            # Statistics now, inside the load's transaction (ANALYZE counts its own rows):
            # the search-document triggers of the tables loaded next look rows up in this
            # one, and without statistics PostgreSQL planned those lookups as hash joins
            # over every company (24 ms per settlement instead of 0.1 ms).
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        elapsed = time.monotonic() - started
        rate = len(ids) / elapsed if elapsed else float("inf")
        self.report(f"{label}: {len(ids):,} rows in {elapsed:.1f}s ({rate:,.0f}/s)")
        return ids

    def _date(self) -> datetime.date:
        # More recent years carry more records, as enforcement news does.
        year = FIRST_YEAR + int((LAST_YEAR - FIRST_YEAR + 1) * math.sqrt(self.random.random()))
        year = min(year, LAST_YEAR)
        return datetime.date(year, self.random.randint(1, 12), self.random.randint(1, 28))

    def _precise(self, value: datetime.date) -> tuple[datetime.date, str]:
        roll = self.random.random()
        if roll < 0.08:
            return value.replace(month=1, day=1), DatePrecision.YEAR
        if roll < 0.25:
            return value.replace(day=1), DatePrecision.MONTH
        return value, DatePrecision.DAY

    def _currency(self) -> str:
        roll, cumulative = self.random.random(), 0.0
        for code, share, _ in CURRENCIES:
            cumulative += share
            if roll < cumulative:
                return code
        return "USD"

    def _amount(self, median: float) -> Decimal:
        value = self.random.lognormvariate(math.log(median), 1.8)
        return Decimal(max(100, round(value, -2)))

    def _usd(self, amount: Decimal, currency: str, year: int) -> Decimal:
        return (amount * self.rates[(currency, year)]).quantize(Decimal("0.01"))

    # -- stages ------------------------------------------------------------------------
    def clear(self) -> None:
        """Remove everything a previous run made (only rows marked as synthetic)."""
        with transaction.atomic():
            Violation.objects.filter(company__slug__startswith=PREFIX).delete()
            Settlement.objects.filter(lawsuit__slug__startswith=PREFIX).delete()
            LawsuitDefendant.objects.filter(lawsuit__slug__startswith=PREFIX).delete()
            Lawsuit.objects.filter(slug__startswith=PREFIX).delete()
            Source.objects.filter(url__startswith=SOURCE_HOST).delete()
            CompanyAlias.objects.filter(company__slug__startswith=PREFIX).delete()
            # Children before parents: PROTECT forbids deleting a parent with subsidiaries.
            while Company.objects.filter(slug__startswith=PREFIX).exists():
                Company.objects.filter(slug__startswith=PREFIX, subsidiaries__isnull=True).delete()
            Authority.objects.filter(slug__startswith=PREFIX).delete()
            Law.objects.filter(slug__startswith=PREFIX).delete()
        self.report("cleared earlier synthetic rows")

    def exchange_rates(self) -> None:
        """Use real rates where the table has them; fill the gaps with marked synthetic ones."""
        existing = {
            (rate.currency, rate.year): rate.usd_per_unit for rate in ExchangeRate.objects.all()
        }
        missing = []
        for code, _, level in CURRENCIES:
            for year in range(FIRST_YEAR, LAST_YEAR + 1):
                key = (code, year)
                if key in existing:
                    self.rates[key] = existing[key]
                    continue
                drift = 1 if code == "USD" else 1 + 0.08 * math.sin(year + len(code))
                rate = Decimal(str(round(level * drift, 8)))
                self.rates[key] = rate
                missing.append(
                    ExchangeRate(currency=code, year=year, usd_per_unit=rate, source="synthetic")
                )
        ExchangeRate.objects.bulk_create(missing)
        self.report(f"exchange rates: {len(missing)} synthetic rows added")

    def companies(self) -> list[int]:
        """A few huge families (parents with hundreds of subsidiaries) and many loners."""
        total = self.plan.companies
        parent_count = max(3, total // 2000)
        family_size = min(800, max(20, total // (parent_count * 4)))

        def make(index: int, parent_id: int | None) -> Company:
            name = f"{self.random.choice(WORDS)} {self.random.choice(WORDS)} {index}"
            return Company(
                name=f"{name} {self.random.choice(SUFFIXES)}",
                slug=f"{PREFIX}company-{index}",
                parent_id=parent_id,
                country=self.random.choice(COUNTRIES),
                is_published=self.random.random() < 0.97,
            )

        parents = self._insert(
            "parent companies", Company, (make(i, None) for i in range(parent_count)), parent_count
        )
        # Subsidiaries, with some second-level subsidiaries below the first ones.
        children_rows = []
        index = parent_count
        for parent_id in parents:
            for _ in range(family_size):
                children_rows.append(make(index, parent_id))
                index += 1
        children = self._insert("subsidiaries", Company, iter(children_rows), len(children_rows))
        grandchildren_rows = []
        for child_id in children[: len(children) // 4]:
            grandchildren_rows.append(make(index, child_id))
            index += 1
        grandchildren = self._insert(
            "second-level subsidiaries", Company, iter(grandchildren_rows), len(grandchildren_rows)
        )
        loners_total = max(0, total - index)
        loners = self._insert(
            "single companies",
            Company,
            (make(index + i, None) for i in range(loners_total)),
            loners_total,
        )
        all_ids = parents + children + grandchildren + loners
        aliases = (
            CompanyAlias(company_id=company_id, name=f"Alias {n} of {PREFIX}{company_id}")
            for n, company_id in enumerate(all_ids)
            if n % 3 == 0
        )
        self._insert("aliases", CompanyAlias, aliases, len(all_ids) // 3 + 1)
        # Weight records towards the big families, as real enforcement data is.
        self.family_members = parents + children + grandchildren
        return all_ids

    def authorities_and_laws(self) -> tuple[list[int], list[int], list[int]]:
        kinds = [k for k, _ in Authority.Kind.choices]
        authorities = (
            Authority(
                name=f"Synthetic {kind.replace('_', ' ')} authority {n}",
                slug=f"{PREFIX}authority-{n}",
                abbreviation=f"SA{n}",
                kind=kind,
                country=self.random.choice(COUNTRIES),
                is_published=True,
            )
            for n in range(self.plan.authorities)
            for kind in [kinds[n % len(kinds)]]
        )
        authority_ids = self._insert("authorities", Authority, authorities, self.plan.authorities)
        courts = list(
            Authority.objects.filter(pk__in=authority_ids, kind=Authority.Kind.COURT).values_list(
                "pk", flat=True
            )
        )
        laws = (
            Law(
                short_name=f"SL{n}",
                slug=f"{PREFIX}law-{n}",
                full_name=f"Synthetic {self.random.choice(LAW_NAMES)} Act {n}",
                jurisdiction=self.random.choice(COUNTRIES),
                is_published=True,
            )
            for n in range(self.plan.laws)
        )
        law_ids = self._insert("laws", Law, laws, self.plan.laws)
        return authority_ids, courts or authority_ids, law_ids

    def sources(self) -> list[int]:
        rows = (
            Source(
                url=f"{SOURCE_HOST}story/{n}",
                title=f"Synthetic report {n}",
                publisher=self.random.choice(["Newswire", "Regulator", "Court", "Law blog"]),
                published_on=self._date(),
            )
            for n in range(self.plan.sources)
        )
        return self._insert("sources", Source, rows, self.plan.sources)

    def _company(self, company_ids: list[int]) -> int:
        if self.family_members and self.random.random() < 0.35:
            return self.random.choice(self.family_members)
        return self.random.choice(company_ids)

    def lawsuits(self, company_ids, courts, law_ids, source_ids) -> list[int]:
        kinds = [k for k, _ in Lawsuit.Kind.choices]
        statuses = [s for s, _ in Lawsuit.Status.choices]

        def make(n: int) -> Lawsuit:
            filed, precision = self._precise(self._date())
            return Lawsuit(
                title=f"Synthetic plaintiffs v. defendant {n}",
                slug=f"{PREFIX}lawsuit-{n}",
                kind=self.random.choice(kinds),
                status=self.random.choice(statuses),
                authority_id=self.random.choice(courts),
                docket_number=f"{filed.year}-cv-{n:07d}",
                filed_on=filed,
                filed_on_precision=precision,
                is_published=self.random.random() < 0.95,
            )

        ids = self._insert(
            "lawsuits", Lawsuit, (make(n) for n in range(self.plan.lawsuits)), self.plan.lawsuits
        )
        defendants = (
            LawsuitDefendant(lawsuit_id=lawsuit_id, company_id=company_id)
            for lawsuit_id in ids
            for company_id in {self._company(company_ids) for _ in range(self.random.randint(1, 2))}
        )
        self._insert("lawsuit defendants", LawsuitDefendant, defendants, None)
        self._link("lawsuit laws", Lawsuit.laws.through, "lawsuit_id", "law_id", ids, law_ids)
        self._link(
            "lawsuit sources", Lawsuit.sources.through, "lawsuit_id", "source_id", ids, source_ids
        )
        return ids

    def _link(self, label, through, left, right, left_ids, right_ids) -> None:
        rows = (
            through(**{left: left_id, right: right_id})
            for left_id in left_ids
            for right_id in {
                self.random.choice(right_ids) for _ in range(self.random.randint(1, 2))
            }
        )
        self._insert(label, through, rows, None)

    def settlements(self, lawsuit_ids, source_ids) -> list[int]:
        statuses = [s for s, _ in Settlement.Status.choices]
        seen: set[tuple] = set()

        def make(n: int) -> Settlement:
            announced, precision = self._precise(self._date())
            currency = self._currency()
            lawsuit_id = lawsuit_ids[n % len(lawsuit_ids)]
            amount = self._amount(2_000_000)
            while (lawsuit_id, amount, currency) in seen:  # unique per lawsuit
                amount += 1
            seen.add((lawsuit_id, amount, currency))
            return Settlement(
                lawsuit_id=lawsuit_id,
                amount=amount,
                currency=currency,
                amount_usd=self._usd(amount, currency, announced.year),
                status=self.random.choice(statuses),
                announced_on=announced,
                announced_on_precision=precision,
                is_published=self.random.random() < 0.95,
            )

        total = self.plan.settlements
        ids = self._insert("settlements", Settlement, (make(n) for n in range(total)), total)
        self._link(
            "settlement sources",
            Settlement.sources.through,
            "settlement_id",
            "source_id",
            ids,
            source_ids,
        )
        return ids

    def violations(self, company_ids, authority_ids, law_ids, source_ids) -> list[int]:
        kinds = [k for k, _ in Violation.Kind.choices]
        statuses = [s for s, _ in Violation.Status.choices]
        lawsuit_ids = list(
            Lawsuit.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True)[:5000]
        )
        seen: set[tuple] = set()

        def rows() -> Iterator[Violation]:
            n = 0
            while n < self.plan.violations:
                decided, precision = self._precise(self._date())
                currency = self._currency()
                amount = self._amount(150_000)
                company_id = self._company(company_ids)
                authority_id = self.random.choice(authority_ids)
                key = (company_id, authority_id, decided, amount)
                if key in seen:
                    continue
                seen.add(key)
                n += 1
                yield Violation(
                    company_id=company_id,
                    authority_id=authority_id,
                    lawsuit_id=(
                        self.random.choice(lawsuit_ids)
                        if lawsuit_ids and self.random.random() < 0.05
                        else None
                    ),
                    kind=self.random.choice(kinds),
                    status=self.random.choice(statuses),
                    amount=amount,
                    currency=currency,
                    amount_usd=self._usd(amount, currency, decided.year),
                    decided_on=decided,
                    decided_on_precision=precision,
                    is_published=self.random.random() < 0.95,
                )

        total = self.plan.violations
        ids = self._insert("violations", Violation, rows(), total)
        self._link("violation laws", Violation.laws.through, "violation_id", "law_id", ids, law_ids)
        self._link(
            "violation sources",
            Violation.sources.through,
            "violation_id",
            "source_id",
            ids,
            source_ids,
        )
        return ids

    def _summary_triggers(self, *, enabled: bool) -> None:
        if connection.vendor != "postgresql":
            return  # SQLite cannot switch triggers off; the rebuild clears their marks.
        with connection.cursor() as cursor:
            # Deferred foreign-key checks must run first: PostgreSQL refuses to alter a
            # table with trigger events pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in summary.triggers_enabled_sql(enabled):
                cursor.execute(statement)

    def run(self) -> dict[str, int]:
        started = time.monotonic()
        plan = self.plan
        self.report(
            f"generating {plan.records:,} records: {plan.violations:,} violations, "
            f"{plan.lawsuits:,} lawsuits, {plan.settlements:,} settlements, "
            f"{plan.companies:,} companies"
        )
        with transaction.atomic():
            # The summary triggers would mark a slice per row; rebuild once at the end instead.
            self._summary_triggers(enabled=False)
            self.exchange_rates()
            company_ids = self.companies()
            authority_ids, courts, law_ids = self.authorities_and_laws()
            source_ids = self.sources()
            lawsuit_ids = self.lawsuits(company_ids, courts, law_ids, source_ids)
            settlement_ids = self.settlements(lawsuit_ids, source_ids)
            violation_ids = self.violations(company_ids, authority_ids, law_ids, source_ids)
            self._summary_triggers(enabled=True)
            self.report("summaries: rebuilding")
            summary.rebuild()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        self.report(f"done in {elapsed:.1f}s")
        return {
            "companies": len(company_ids),
            "lawsuits": len(lawsuit_ids),
            "settlements": len(settlement_ids),
            "violations": len(violation_ids),
            "seconds": round(elapsed, 1),
        }
