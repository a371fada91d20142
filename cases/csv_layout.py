"""Casetrack's own CSV layout for settlements and violations.

The public lists export it (``?format=csv``) and ``import_records`` reads it back, so that
export → import reproduces the same records. Dates are written at their precision as
partial ISO dates ("2019", "2019-02", "2019-02-27"); lists are "|"-separated. Cells that a
spreadsheet would run as a formula are neutralised with a leading apostrophe.
"""

import datetime

from django.db.models import Prefetch, QuerySet

from cases.models import Law, LawsuitDefendant, Settlement, Violation
from core.dates import DatePrecision

LIST_SEPARATOR = "|"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

SETTLEMENT_COLUMNS = [
    "record_type",
    "id",
    "url",
    "lawsuit",
    "lawsuit_slug",
    "lawsuit_kind",
    "defendants",
    "authority",
    "authority_slug",
    "docket_number",
    "laws",
    "status",
    "amount",
    "currency",
    "amount_usd_approx",
    "announced_on",
    "approved_on",
    "claim_deadline",
    "class_description",
    "summary",
    "sources",
    "is_published",
]

VIOLATION_COLUMNS = [
    "record_type",
    "id",
    "url",
    "company",
    "company_slug",
    "parent_company_slug",
    "authority",
    "authority_slug",
    "authority_country",
    "lawsuit_slug",
    "kind",
    "status",
    "amount",
    "currency",
    "amount_usd_approx",
    "decided_on",
    "laws",
    "description",
    "sources",
    "is_published",
]


def neutralise_cell(value: str) -> str:
    """Stop spreadsheets from running a cell as a formula (CSV injection)."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """Undo neutralise_cell when reading our own export back."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def format_partial_date(value: datetime.date | None, precision: str) -> str:
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def parse_partial_date(text: str) -> tuple[datetime.date | None, str]:
    """Read "2019", "2019-02" or "2019-02-27" back into a date and its precision."""
    text = text.strip()
    if not text:
        return None, DatePrecision.DAY
    parts = text.split("-")
    try:
        numbers = [int(part) for part in parts]
        if len(numbers) == 1 and len(parts[0]) == 4:
            return datetime.date(numbers[0], 1, 1), DatePrecision.YEAR
        if len(numbers) == 2:
            return datetime.date(numbers[0], numbers[1], 1), DatePrecision.MONTH
        if len(numbers) == 3:
            return datetime.date(*numbers), DatePrecision.DAY
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date like 2019, 2019-02 or 2019-02-27")


def _join(values) -> str:
    return LIST_SEPARATOR.join(v for v in values if v)


def _decimal(value) -> str:
    return "" if value is None else f"{value:f}"


def settlements_for_export(
    queryset: QuerySet[Settlement], public: bool = False
) -> QuerySet[Settlement]:
    """The joins and prefetches settlement_row needs, so export queries stay constant.

    ``public`` leaves out linked companies and laws that are not published.
    """
    defendants = LawsuitDefendant.objects.select_related("company").order_by("company__name")
    laws = Law.objects.all()
    if public:
        defendants = defendants.filter(company__is_published=True)
        laws = laws.filter(is_published=True)
    return queryset.select_related("lawsuit", "lawsuit__authority").prefetch_related(
        Prefetch("lawsuit__defendant_links", queryset=defendants),
        Prefetch("lawsuit__laws", queryset=laws),
        "sources",
    )


def violations_for_export(
    queryset: QuerySet[Violation], public: bool = False
) -> QuerySet[Violation]:
    laws = Law.objects.filter(is_published=True) if public else Law.objects.all()
    return queryset.select_related(
        "company", "company__parent", "authority", "lawsuit"
    ).prefetch_related(Prefetch("laws", queryset=laws), "sources")


def settlement_row(settlement: Settlement, base_url: str = "", public: bool = False) -> list[str]:
    """``public`` leaves out a court or authority that is not published."""
    lawsuit = settlement.lawsuit
    authority = lawsuit.authority
    if public and authority is not None and not authority.is_published:
        authority = None
    cells = [
        "settlement",
        str(settlement.pk),
        base_url + settlement.get_absolute_url(),
        lawsuit.title,
        lawsuit.slug,
        lawsuit.kind,
        _join(link.company.slug for link in lawsuit.defendant_links.all()),
        authority.name if authority else "",
        authority.slug if authority else "",
        lawsuit.docket_number,
        _join(law.slug for law in lawsuit.laws.all()),
        settlement.status,
        _decimal(settlement.amount),
        settlement.currency,
        _decimal(settlement.amount_usd),
        format_partial_date(settlement.announced_on, settlement.announced_on_precision),
        format_partial_date(settlement.approved_on, settlement.approved_on_precision),
        settlement.claim_deadline.isoformat() if settlement.claim_deadline else "",
        settlement.class_description,
        settlement.summary,
        _join(source.url for source in settlement.sources.all()),
        "1" if settlement.is_published else "0",
    ]
    return [neutralise_cell(cell) for cell in cells]


def violation_row(violation: Violation, base_url: str = "", public: bool = False) -> list[str]:
    """``public`` leaves out a parent company or lawsuit that is not published."""
    company = violation.company
    parent = company.parent
    lawsuit = violation.lawsuit
    if public:
        parent = parent if parent is not None and parent.is_published else None
        lawsuit = lawsuit if lawsuit is not None and lawsuit.is_published else None
    cells = [
        "violation",
        str(violation.pk),
        base_url + violation.get_absolute_url(),
        company.name,
        company.slug,
        parent.slug if parent else "",
        violation.authority.name,
        violation.authority.slug,
        violation.authority.country,
        lawsuit.slug if lawsuit else "",
        violation.kind,
        violation.status,
        _decimal(violation.amount),
        violation.currency,
        _decimal(violation.amount_usd),
        format_partial_date(violation.decided_on, violation.decided_on_precision),
        _join(law.slug for law in violation.laws.all()),
        violation.description,
        _join(source.url for source in violation.sources.all()),
        "1" if violation.is_published else "0",
    ]
    return [neutralise_cell(cell) for cell in cells]
