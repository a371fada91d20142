"""The public settlements and violations, flattened into one SQLite file for Datasette.

Datasette serves tables, not joins, so each row carries the names it is shown with and the
family (root company slug) it belongs to. Only rows the public site shows are exported, so
both sides answer the same question over the same rows. The file gets the indexes a careful
Datasette publisher would add for the benchmarked filters and sorts, and full-text search.
"""

import sqlite3
import time
from pathlib import Path

from django.db.models import F

from cases.public_selectors import public_settlements, public_violations
from companies.models import Company

BATCH = 10_000


def family_roots() -> dict[int, str]:
    """Every company's root (top parent) slug."""
    parents = dict(Company.objects.values_list("pk", "parent_id"))
    slugs = dict(Company.objects.values_list("pk", "slug"))
    roots: dict[int, str] = {}
    for company_id in parents:
        chain = [company_id]
        while parents[chain[-1]] is not None and parents[chain[-1]] not in roots:
            chain.append(parents[chain[-1]])
        top = chain[-1]
        root = roots.get(parents[top]) if parents[top] is not None else slugs[top]
        for member in chain:
            roots[member] = root
    return roots


def _year(value) -> int | None:
    return value.year if value else None


def _insert(database: sqlite3.Connection, table: str, columns: list[str], rows) -> int:
    placeholders = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            database.executemany(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        database.executemany(sql, batch)
        count += len(batch)
    return count


VIOLATION_COLUMNS = [
    "id",
    "company",
    "company_slug",
    "family",
    "authority",
    "authority_slug",
    "country",
    "kind",
    "status",
    "amount",
    "currency",
    "amount_usd",
    "decided_on",
    "year",
    "description",
]
SETTLEMENT_COLUMNS = [
    "id",
    "lawsuit",
    "lawsuit_slug",
    "defendants",
    "families",
    "authority",
    "authority_slug",
    "kind",
    "status",
    "amount",
    "currency",
    "amount_usd",
    "announced_on",
    "year",
]


def export(path: Path, report=print) -> dict[str, int]:
    """Write the SQLite file from scratch; returns the row counts."""
    started = time.monotonic()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    roots = family_roots()
    database = sqlite3.connect(partial)
    database.execute("PRAGMA journal_mode=OFF")
    database.execute("PRAGMA synchronous=OFF")
    database.execute(
        "CREATE TABLE violations (id INTEGER PRIMARY KEY, company TEXT, company_slug TEXT, "
        "family TEXT, authority TEXT, authority_slug TEXT, country TEXT, kind TEXT, "
        "status TEXT, amount REAL, currency TEXT, amount_usd REAL, decided_on TEXT, "
        "year INTEGER, description TEXT)"
    )
    database.execute(
        "CREATE TABLE settlements (id INTEGER PRIMARY KEY, lawsuit TEXT, lawsuit_slug TEXT, "
        "defendants TEXT, families TEXT, authority TEXT, authority_slug TEXT, kind TEXT, "
        "status TEXT, amount REAL, currency TEXT, amount_usd REAL, announced_on TEXT, "
        "year INTEGER)"
    )
    violations = (
        public_violations()
        .order_by("pk")
        .values_list(
            "pk",
            "company__name",
            "company__slug",
            "company_id",
            "authority__name",
            "authority__slug",
            "authority__country",
            "kind",
            "status",
            "amount",
            "currency",
            "amount_usd",
            "decided_on",
            "description",
        )
    )
    violation_count = _insert(
        database,
        "violations",
        VIOLATION_COLUMNS,
        (
            (
                pk,
                company,
                slug,
                roots[company_id],
                authority,
                authority_slug,
                country,
                kind,
                status,
                float(amount),
                currency,
                float(usd) if usd is not None else None,
                decided.isoformat(),
                decided.year,
                description,
            )
            for (
                pk,
                company,
                slug,
                company_id,
                authority,
                authority_slug,
                country,
                kind,
                status,
                amount,
                currency,
                usd,
                decided,
                description,
            ) in violations.iterator(chunk_size=BATCH)
        ),
    )
    report(f"datasette export: {violation_count:,} violations")

    defendants: dict[int, list[tuple[str, int]]] = {}
    from cases.models import LawsuitDefendant

    links = LawsuitDefendant.objects.filter(company__is_published=True).values_list(
        "lawsuit_id", "company__name", "company_id"
    )
    for lawsuit_id, name, company_id in links.iterator(chunk_size=BATCH):
        defendants.setdefault(lawsuit_id, []).append((name, company_id))
    settlements = (
        public_settlements()
        .prefetch_related(None)
        .order_by("pk")
        .annotate(authority_published=F("lawsuit__authority__is_published"))
        .values_list(
            "pk",
            "lawsuit__title",
            "lawsuit__slug",
            "lawsuit_id",
            "lawsuit__authority__name",
            "lawsuit__authority__slug",
            "authority_published",
            "lawsuit__kind",
            "status",
            "amount",
            "currency",
            "amount_usd",
            "announced_on",
        )
    )

    def settlement_rows():
        for (
            pk,
            title,
            slug,
            lawsuit_id,
            authority,
            authority_slug,
            authority_published,
            kind,
            status,
            amount,
            currency,
            usd,
            announced,
        ) in settlements.iterator(chunk_size=BATCH):
            names = sorted(defendants.get(lawsuit_id, []))
            families = sorted({roots[company_id] for _, company_id in names})
            yield (
                pk,
                title,
                slug,
                "; ".join(name for name, _ in names),
                # Spaces on both sides, so that "contains ' syn-company-1 '" is an exact match.
                " " + " ".join(families) + " " if families else "",
                authority if authority_published else None,
                authority_slug if authority_published else None,
                kind,
                status,
                float(amount),
                currency,
                float(usd) if usd is not None else None,
                announced.isoformat() if announced else None,
                _year(announced),
            )

    settlement_count = _insert(database, "settlements", SETTLEMENT_COLUMNS, settlement_rows())
    report(f"datasette export: {settlement_count:,} settlements")
    for statement in [
        "CREATE INDEX violations_year ON violations (year)",
        "CREATE INDEX violations_decided_on ON violations (decided_on)",
        "CREATE INDEX violations_amount_usd ON violations (amount_usd)",
        "CREATE INDEX violations_family ON violations (family)",
        "CREATE INDEX settlements_year ON settlements (year)",
        "CREATE INDEX settlements_announced_on ON settlements (announced_on)",
        "CREATE VIRTUAL TABLE violations_fts USING fts5(company, authority, description, "
        "content='violations', content_rowid='id')",
        "INSERT INTO violations_fts (violations_fts) VALUES ('rebuild')",
        "ANALYZE",
    ]:
        database.execute(statement)
    database.commit()
    database.close()
    partial.replace(path)
    report(f"datasette export written to {path} in {time.monotonic() - started:.1f}s")
    return {"violations": violation_count, "settlements": settlement_count}
