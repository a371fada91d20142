"""Writes to lawsuits, settlements, violations and their references.

Every function validates the whole record (fields, clean() and database constraints) before
writing, in one transaction, so a refused write leaves nothing half-saved.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from cases.models import (
    ExchangeRate,
    Lawsuit,
    LawsuitDefendant,
    LawsuitRelation,
    Settlement,
    Source,
    Violation,
    convert_to_usd,
)
from companies.models import Company
from core.dates import DatePrecision, truncate_to_precision
from core.services import Outcome, upsert, validate_and_save

PRECISE_DATES = {
    Lawsuit: [("filed_on", "filed_on_precision")],
    Settlement: [
        ("announced_on", "announced_on_precision"),
        ("approved_on", "approved_on_precision"),
    ],
    Violation: [("decided_on", "decided_on_precision")],
}


def _normalise_dates(model, values: dict) -> dict:
    """Store a date known only to the month or year at its first day, never a guessed day."""
    for date_field, precision_field in PRECISE_DATES.get(model, []):
        if values.get(date_field) is not None:
            precision = values.get(precision_field, DatePrecision.DAY)
            values[date_field] = truncate_to_precision(values[date_field], precision)
    return values


def source_get_or_create(
    *, url: str = "", title: str, publisher: str = "", published_on: datetime.date | None = None
) -> Source:
    """One Source per address; a source without an address is matched by title and publisher."""
    lookup = {"url": url} if url else {"url": "", "title": title, "publisher": publisher}
    values = {"published_on": published_on, "publisher": publisher, "title": title}
    for key in lookup:
        values.pop(key, None)
    source, _ = upsert(Source, lookup, values)
    return source


def lawsuit_create(
    *,
    defendants: Iterable[Company],
    laws: Iterable = (),
    sources: Iterable[Source] = (),
    **fields,
) -> Lawsuit:
    with transaction.atomic():
        lawsuit = Lawsuit(**_normalise_dates(Lawsuit, fields))
        validate_and_save(lawsuit)
        _set_lawsuit_links(lawsuit, defendants=defendants, laws=laws, sources=sources)
    return lawsuit


def lawsuit_upsert(
    *,
    slug: str,
    defendants: Iterable[Company] = (),
    laws: Iterable = (),
    sources: Iterable[Source] = (),
    **values,
) -> tuple[Lawsuit, Outcome]:
    """Create or update by slug; links are added, never removed."""
    with transaction.atomic():
        lawsuit, outcome = upsert(Lawsuit, {"slug": slug}, _normalise_dates(Lawsuit, values))
        if _set_lawsuit_links(lawsuit, defendants=defendants, laws=laws, sources=sources):
            outcome = Outcome.UPDATED if outcome == Outcome.UNCHANGED else outcome
    return lawsuit, outcome


def _set_lawsuit_links(lawsuit: Lawsuit, *, defendants, laws, sources) -> bool:
    return record_links_add(lawsuit, defendants=defendants, laws=laws, sources=sources)


def record_links_add(record, *, defendants=(), laws=(), sources=()) -> bool:
    """Add the defendants, laws and sources a record lacks, never removing one.

    Returns whether anything was added, so that importers can report an update.
    """
    changed = False
    for company in defendants:
        _, created = LawsuitDefendant.objects.get_or_create(lawsuit=record, company=company)
        changed |= created
    if laws:
        changed |= _add_missing(record.laws, laws)
    if sources:
        changed |= _add_missing(record.sources, sources)
    return changed


def _add_missing(manager, items: Iterable) -> bool:
    """Add only what is not linked yet, so that re-running a loader records no history."""
    present = set(manager.values_list("pk", flat=True))
    missing = [item for item in items if item.pk not in present]
    if missing:
        manager.add(*missing)
    return bool(missing)


def lawsuit_relate(*, from_lawsuit: Lawsuit, to_lawsuit: Lawsuit, kind: str) -> LawsuitRelation:
    relation, _ = upsert(
        LawsuitRelation, {"from_lawsuit": from_lawsuit, "to_lawsuit": to_lawsuit}, {"kind": kind}
    )
    return relation


def settlement_create(*, lawsuit: Lawsuit, amount: Decimal, currency: str, sources=(), **fields):
    """Create a settlement; its approximate USD value is derived from the exchange rates."""
    with transaction.atomic():
        settlement = Settlement(
            lawsuit=lawsuit,
            amount=amount,
            currency=currency,
            **_normalise_dates(Settlement, fields),
        )
        validate_and_save(settlement)
        _add_missing(settlement.sources, sources)
    return settlement


def settlement_upsert(*, lawsuit: Lawsuit, amount: Decimal, currency: str, sources=(), **values):
    """Create or update by natural key (lawsuit, amount, currency)."""
    with transaction.atomic():
        settlement, outcome = upsert(
            Settlement,
            {"lawsuit": lawsuit, "amount": amount, "currency": currency},
            _normalise_dates(Settlement, values),
        )
        if _add_missing(settlement.sources, sources) and outcome == Outcome.UNCHANGED:
            outcome = Outcome.UPDATED
    return settlement, outcome


def violation_create(*, laws=(), sources=(), **fields) -> Violation:
    with transaction.atomic():
        violation = Violation(**_normalise_dates(Violation, fields))
        validate_and_save(violation)
        _add_missing(violation.laws, laws)
        _add_missing(violation.sources, sources)
    return violation


def violation_upsert(
    *, company, authority, decided_on, amount, laws=(), sources=(), **values
) -> tuple[Violation, Outcome]:
    """Create or update by natural key (company, authority, decision date, amount)."""
    precision = values.get("decided_on_precision", DatePrecision.DAY)
    lookup = {
        "company": company,
        "authority": authority,
        "decided_on": truncate_to_precision(decided_on, precision),
        "amount": amount,
    }
    with transaction.atomic():
        violation, outcome = upsert(Violation, lookup, values)
        linked = _add_missing(violation.laws, laws) | _add_missing(violation.sources, sources)
        if linked and outcome == Outcome.UNCHANGED:
            outcome = Outcome.UPDATED
    return violation, outcome


def record_update(record, **fields):
    """Change fields of a lawsuit, settlement or violation, re-validating the whole record."""
    with transaction.atomic():
        for name, value in _normalise_dates(type(record), fields).items():
            setattr(record, name, value)
        validate_and_save(record)
    return record


def exchange_rate_set(
    *, currency: str, year: int, usd_per_unit: Decimal, source: str = ""
) -> tuple[ExchangeRate, Outcome]:
    """Record a yearly average rate and re-derive the USD value of every record it affects."""
    [result] = exchange_rates_set(
        [{"currency": currency, "year": year, "usd_per_unit": usd_per_unit, "source": source}]
    )
    return result


def exchange_rates_set(rates: list[dict]) -> list[tuple[ExchangeRate, Outcome]]:
    """Record many yearly rates, then re-derive each changed currency's records once.

    Re-deriving after every rate would pass over all of a currency's records once per year
    of rates (minutes at a million records for the seed's rate table).
    """
    results, changed_currencies = [], set()
    with transaction.atomic():
        for rate in rates:
            record, outcome = upsert(
                ExchangeRate,
                {"currency": rate["currency"], "year": rate["year"]},
                {"usd_per_unit": Decimal(rate["usd_per_unit"]), "source": rate.get("source", "")},
            )
            results.append((record, outcome))
            if outcome != Outcome.UNCHANGED:
                changed_currencies.add(rate["currency"])
        for currency in sorted(changed_currencies):
            refresh_amounts_usd(currency)
    return results


def refresh_amounts_usd(currency: str) -> int:
    """Recompute approximate USD values in one currency (a rate may serve neighbouring years)."""
    updated = 0
    rates = ExchangeRate.objects.rates_by_year(currency)
    for model in (Settlement, Violation):
        changed = []
        for record in model.objects.filter(currency=currency).iterator(chunk_size=2000):
            amount_usd = convert_to_usd(record.amount, currency, record.rate_year(), rates)
            if amount_usd != record.amount_usd:
                record.amount_usd = amount_usd
                changed.append(record)
        if changed:
            model.objects.bulk_update(changed, ["amount_usd"], batch_size=2000)
            updated += len(changed)
    return updated


# --- Records proposed from articles (used by the import review queue) --------------------


def record_cite(record, source: Source) -> bool:
    """Link a source to a lawsuit, settlement or violation; True if it was not linked yet."""
    return _add_missing(record.sources, [source])


def settlement_matching(*, company: Company, amount: Decimal, currency: str):
    """An existing settlement of this amount by the company or its family, if there is one."""
    return (
        Settlement.objects.for_company(company, include_family=True)
        .filter(amount=amount, currency=currency)
        .order_by("id")
        .first()
    )


def violation_matching(
    *, company: Company, amount: Decimal, currency: str, year: int | None = None
):
    """An existing penalty of this amount on the company or its family (same year if known)."""
    candidates = Violation.objects.for_company(company, include_family=True).filter(
        amount=amount, currency=currency
    )
    if year is not None:
        candidates = candidates.filter(decided_on__year=year)
    return candidates.order_by("id").first()


def lawsuit_matching(*, company: Company, authority=None, kind: str = "", title: str = ""):
    """A lawsuit against the company (or its family) before the same court or agency."""
    candidates = Lawsuit.objects.for_company(company, include_family=True)
    if title:
        by_title = candidates.filter(title__iexact=title).order_by("id").first()
        if by_title:
            return by_title
    if authority is None:
        return None
    candidates = candidates.filter(authority=authority)
    if kind:
        candidates = candidates.filter(kind=kind)
    return candidates.order_by("id").first() if candidates.count() == 1 else None
