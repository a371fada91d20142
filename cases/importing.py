"""Bulk import of violations and settlements from CSV files.

Two layouts are read: Casetrack's own export (``cases.csv_layout``), so that export → import
reproduces the same records, and the layout of the public GDPR-fines datasets
(``id, picture, name, price, authority, date, controller, article_violated, type, source,
summary``). Real datasets are dirty, so every row ends in exactly one of three ways:
imported (created, updated or unchanged), skipped with a reason, or imported and flagged for
an editor to review. A file that cannot be read as a UTF-8 CSV of a known layout is refused
before anything is written, and the whole import runs in one transaction.

Matching is by natural key, so importing the same file twice changes nothing.
"""

import csv
import datetime
import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pycountry
from cleanco import basename
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils.html import strip_tags
from rapidfuzz import fuzz, process, utils

from cases.csv_layout import (
    LIST_SEPARATOR,
    SETTLEMENT_COLUMNS,
    VIOLATION_COLUMNS,
    neutralise_cell,
    parse_partial_date,
    restore_cell,
)
from cases.models import Authority, Law, Lawsuit, Settlement, Source, Violation
from cases.services import lawsuit_upsert, record_links_add, source_get_or_create
from companies.models import Company, CompanyAlias
from companies.services import company_create, unique_slug
from core.countries import COUNTRY_CODES
from core.dates import DatePrecision
from core.money import is_currency_code
from core.services import Outcome, upsert, validate_and_save

GDPR_COLUMNS = [
    "id",
    "picture",
    "name",
    "price",
    "authority",
    "date",
    "controller",
    "article_violated",
    "type",
    "source",
    "summary",
]

LAYOUTS = {
    "gdpr": GDPR_COLUMNS,
    "casetrack-violations": VIOLATION_COLUMNS,
    "casetrack-settlements": SETTLEMENT_COLUMNS,
}
LAYOUT_LABELS = {
    "gdpr": "GDPR fines dataset",
    "casetrack-violations": "Casetrack violations export",
    "casetrack-settlements": "Casetrack settlements export",
}

# Placeholders datasets write where they do not know a value.
UNKNOWN_VALUES = {
    "",
    "-",
    "--",
    "?",
    "n/a",
    "na",
    "none",
    "null",
    "unknown",
    "not known",
    "not disclosed",
    "undisclosed",
    "unknown company",
    "unknown controller",
}
# Dates that stand for "no date" in exports from spreadsheets and Unix tools.
PLACEHOLDER_DATES = {datetime.date(1970, 1, 1), datetime.date(1900, 1, 1)}
FUZZY_COMPANY_CUTOFF = 92
KNOWN_LAW_NAMES = {"GDPR": ("General Data Protection Regulation (EU) 2016/679", "EU")}
ARTICLE_PREFIX = re.compile(
    r"^Art(?:icles?|s)?\.?\s*\d+\w*(?:\s*\(\w+\))*(?:\s*[a-z]\))?"
    r"(?:\s*(?:,|and|/|&|\+)\s*\d+\w*(?:\s*\(\w+\))*(?:\s*[a-z]\))?)*\s*",
    re.IGNORECASE,
)

# Why a row was skipped; the codes appear in summaries and in the per-row report.
SKIP_REASONS = {
    "duplicate_row": "the same row appears earlier in the file",
    "duplicate_record": "the same fine or settlement appears earlier in the file",
    "wrong_cell_count": "the row has a different number of cells from the header",
    "record_type_mismatch": "record_type does not match the file's layout",
    "amount_missing": "the amount is 0 or blank: the fine is not final or not known",
    "amount_invalid": "the amount is not a number, or is negative",
    "date_unknown": "the date is unknown or a placeholder such as 1970-01-01",
    "date_invalid": "the date cannot be read",
    "company_unknown": "the company is unknown or not named",
    "authority_missing": "no authority is named",
    "lawsuit_missing": "no lawsuit is named",
    "invalid_value": "a value is outside the allowed choices",
    "invalid_record": "the record breaks a rule of the database",
}
# Why an imported row needs an editor's look; flagged records are never published by import.
REVIEW_REASONS = {
    "company_fuzzy_match": "the company was matched by a similar, not identical, name",
    "company_ambiguous": "the name matches more than one company",
    "company_created_from_slug": "a company was created knowing only its slug",
    "parent_not_found": "the parent company named is unknown",
    "country_unknown": "the country cannot be read",
    "authority_kind_guessed": "an authority was created and its kind guessed",
    "law_unknown": "a law could not be read from the article cited",
    "law_created_from_slug": "a law was created knowing only its slug",
    "lawsuit_not_found": "the lawsuit named is unknown and was left out",
    "source_invalid": "a source address is not a valid URL and was left out",
    "date_in_future": "the date lies in the future",
}

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
REFERENCE_KINDS = {"companies": "company", "authorities": "authority", "laws": "law"}


class ImportRefused(Exception):
    """The file as a whole cannot be imported; nothing was written."""


class SkipRow(Exception):
    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or SKIP_REASONS[code])
        self.code = code
        self.detail = detail or SKIP_REASONS[code]


@dataclass
class RowResult:
    line: int
    external_id: str = ""
    action: str = ""  # created, updated, unchanged or skipped
    record_type: str = ""
    record_id: int | None = None
    record_label: str = ""
    reason: str = ""  # the skip reason code
    message: str = ""
    review: list[tuple[str, str]] = field(default_factory=list)
    new_references: list[str] = field(default_factory=list)  # e.g. "company: Google LLC"

    @property
    def flagged(self) -> bool:
        return bool(self.review) and self.action != "skipped"


@dataclass
class ImportReport:
    layout: str
    dry_run: bool
    publish: bool
    rows: list[RowResult] = field(default_factory=list)
    created: dict[str, list[str]] = field(
        default_factory=lambda: {"companies": [], "authorities": [], "laws": []}
    )

    REPORT_COLUMNS = [
        "line",
        "external_id",
        "action",
        "record_type",
        "record_id",
        "record",
        "skip_reason",
        "review_reasons",
        "message",
        "new_references",
    ]

    @property
    def counts(self) -> Counter:
        return Counter(row.action for row in self.rows)

    @property
    def skipped_by_reason(self) -> Counter:
        return Counter(row.reason for row in self.rows if row.action == "skipped")

    @property
    def flagged_by_reason(self) -> Counter:
        return Counter(code for row in self.rows if row.flagged for code, _ in row.review)

    @property
    def flagged_count(self) -> int:
        return sum(1 for row in self.rows if row.flagged)

    def summary_lines(self) -> list[str]:
        counts = self.counts
        prefix = "Dry run, nothing written. Would have: " if self.dry_run else ""
        lines = [
            f"{prefix}{counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['skipped']} skipped "
            f"({len(self.rows)} rows, {LAYOUT_LABELS[self.layout]})."
        ]
        for code, count in sorted(self.skipped_by_reason.items()):
            lines.append(f"  skipped, {code}: {count} ({SKIP_REASONS[code]})")
        if self.flagged_count:
            lines.append(f"{self.flagged_count} imported row(s) flagged for review:")
            for code, count in sorted(self.flagged_by_reason.items()):
                lines.append(f"  review, {code}: {count} ({REVIEW_REASONS[code]})")
        for kind, names in self.created.items():
            if names:
                lines.append(f"New {kind} ({len(names)}): {', '.join(names)}")
        return lines

    def report_rows(self) -> list[list[str]]:
        return [
            [
                str(row.line),
                row.external_id,
                row.action,
                row.record_type,
                "" if row.record_id is None else str(row.record_id),
                row.record_label,
                row.reason,
                "|".join(code for code, _ in row.review),
                "; ".join([row.message] * bool(row.message) + [text for _, text in row.review]),
                "; ".join(row.new_references),
            ]
            for row in self.rows
        ]

    def write_csv(self, stream) -> None:
        """Cells come from the imported file (ids, names): none may run as a formula."""
        writer = csv.writer(stream)
        writer.writerow(self.REPORT_COLUMNS)
        writer.writerows([neutralise_cell(cell) for cell in row] for row in self.report_rows())

    def csv_text(self) -> str:
        stream = io.StringIO()
        self.write_csv(stream)
        return stream.getvalue()


# Reading the file -----------------------------------------------------------------------


@dataclass
class Table:
    layout: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_table(data: bytes) -> Table:
    """Decode and parse a CSV file and recognise its layout, or refuse it with a reason."""
    if not data.strip():
        raise ImportRefused("The file is empty.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(
            "The file is UTF-16 text, not UTF-8. Save it as CSV UTF-8 and try again."
        )
    if b"\x00" in data:
        raise ImportRefused("This is not a CSV file: it contains binary data.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            f"The file is not UTF-8 text: byte 0x{data[error.start]:02x} on line {line} cannot "
            "be read. Save the file as UTF-8 (CSV UTF-8 in spreadsheet programs) and try again."
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header = None
    try:
        line = 1
        for cells in reader:
            if header is None:
                header = cells
            elif any(cell.strip() for cell in cells):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportRefused(
            f"This is not a valid CSV file: line {reader.line_num}: {error}."
        ) from error
    header = [cell.strip().lower() for cell in header or []]
    return Table(_recognise_layout(header), header, rows)


def _recognise_layout(header: list[str]) -> str:
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ImportRefused(f"The header names these columns more than once: {duplicates}.")
    for layout, columns in LAYOUTS.items():
        if set(header) == set(columns):
            return layout
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        raise ImportRefused(
            "The file has a single column: it is probably separated by semicolons or tabs. "
            "Casetrack reads comma-separated files."
        )
    closest = max(LAYOUTS, key=lambda layout: len(set(header) & set(LAYOUTS[layout])))
    missing = [c for c in LAYOUTS[closest] if c not in header]
    unexpected = [c for c in header if c not in LAYOUTS[closest]]
    raise ImportRefused(
        "The columns do not match a layout Casetrack reads. Closest is the "
        f"{LAYOUT_LABELS[closest]}: missing {missing or 'none'}, unexpected "
        f"{unexpected or 'none'}."
    )


# Cleaning cells -------------------------------------------------------------------------


def clean_line(value: str) -> str:
    """One-line text: entities decoded, tabs and runs of spaces collapsed, ends trimmed."""
    return " ".join(_unescape(value).split())


def clean_text(value: str) -> str:
    """Multi-line text: as clean_line, but paragraphs kept and HTML tags removed."""
    text = strip_tags(_unescape(value).replace("<br>", "\n").replace("<br/>", "\n"))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _unescape(value: str) -> str:
    # Twice: scraped datasets often escape "&" again ("&amp;amp;").
    return html.unescape(html.unescape(value))


def is_unknown(value: str) -> bool:
    return value.strip().casefold() in UNKNOWN_VALUES


def parse_amount(text: str, *, zero_means_unknown: bool = True) -> Decimal:
    """Datasets write 0 for a fine that is not final or not known. Our own export writes 0
    only for a record an editor saved with 0, so it passes zero_means_unknown=False."""
    text = clean_line(text).replace(",", "").replace(" ", "").lstrip("€$£")
    if is_unknown(text):
        raise SkipRow("amount_missing")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise SkipRow("amount_invalid", f"the amount {text!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise SkipRow("amount_invalid", f"the amount {text!r} is negative or not a number")
    if amount == 0 and zero_means_unknown:
        raise SkipRow("amount_missing")
    return amount.quantize(Decimal("0.01"))


def parse_us_date(text: str) -> datetime.date:
    text = clean_line(text)
    if is_unknown(text):
        raise SkipRow("date_unknown")
    try:
        value = datetime.datetime.strptime(text, "%m/%d/%Y").date()
    except ValueError:
        raise SkipRow("date_invalid", f"the date {text!r} is not month/day/year") from None
    if value in PLACEHOLDER_DATES:
        raise SkipRow("date_unknown", f"the date {text} is a placeholder, not a real date")
    return value


def parse_precise_date(text: str, *, required: bool) -> tuple[datetime.date | None, str]:
    text = clean_line(text)
    if is_unknown(text):
        if required:
            raise SkipRow("date_unknown")
        return None, DatePrecision.DAY
    try:
        value, precision = parse_partial_date(text)
    except ValueError as error:
        raise SkipRow("date_invalid", str(error)) from None
    if value in PLACEHOLDER_DATES:
        raise SkipRow("date_unknown", f"the date {text} is a placeholder, not a real date")
    return value, precision


def company_key(name: str) -> str:
    """ "Google LLC", "Google Inc." and "google" share one key: legal forms are dropped."""
    return utils.default_process(basename(clean_line(name))) or utils.default_process(name)


def country_code(name: str) -> tuple[str, bool]:
    """The ISO code of a country name and whether it was read exactly."""
    name = clean_line(name)
    if is_unknown(name):
        return "", False
    if name.upper() in COUNTRY_CODES:
        return name.upper(), True
    if name.casefold() in {"european union", "eu", "edpb"}:
        return "EU", True
    try:
        return pycountry.countries.lookup(name).alpha_2, True
    except LookupError:
        pass
    try:
        matches = pycountry.countries.search_fuzzy(name)
    except LookupError:
        return "", False
    return (matches[0].alpha_2, False) if len(matches) == 1 else ("", False)


def law_name_from_article(article: str) -> str:
    """ "Art. 5 (1) f) GDPR" cites the law "GDPR"; the article numbers are not the law."""
    article = clean_line(article)
    if is_unknown(article):
        return ""
    return ARTICLE_PREFIX.sub("", article).strip(" ,;.") if article else ""


def valid_url(url: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return len(url) <= 2000


# Resolving companies, authorities and laws ------------------------------------------------


class Resolver:
    """Finds or creates the companies, authorities and laws rows refer to, once per import."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.publish = report.publish
        self.reset()

    def reset(self) -> None:
        self.company_ids_by_key: dict[str, set[int]] = {}
        for pk, name in Company.objects.values_list("pk", "name"):
            self._index_company(pk, name)
        for pk, name in CompanyAlias.objects.values_list("company_id", "name"):
            self._index_company(pk, name)
        self.authorities: dict[tuple, Authority] = {}
        self.laws: dict[tuple, Law | None] = {}

    def _index_company(self, pk: int, name: str) -> None:
        key = company_key(name)
        if key:
            self.company_ids_by_key.setdefault(key, set()).add(pk)

    def company_by_name(self, name: str, review: list) -> Company:
        """Match a name to a company by normalised name or alias, or create the company."""
        key = company_key(name)
        ids = self.company_ids_by_key.get(key)
        if not ids:
            match = process.extractOne(
                key,
                list(self.company_ids_by_key),
                scorer=fuzz.ratio,
                score_cutoff=FUZZY_COMPANY_CUTOFF,
            )
            if match:
                ids = self.company_ids_by_key[match[0]]
                company = Company.objects.get(pk=min(ids))
                review.append(
                    (
                        "company_fuzzy_match",
                        f"{name!r} matched to {company.name} ({match[1]:.0f}% similar)",
                    )
                )
                return company
        if ids:
            company = Company.objects.get(pk=min(ids))
            if len(ids) > 1:
                review.append(
                    ("company_ambiguous", f"{name!r} matches {len(ids)} companies; {company} used")
                )
            return company
        return self._create_company(name=name)

    def company_by_slug(self, slug: str, name: str, parent_slug: str, review: list) -> Company:
        company = Company.objects.filter(slug=slug).first() if slug else None
        if company is not None:
            return company
        if name:
            key = company_key(name)
            if key in self.company_ids_by_key:
                return self.company_by_name(name, review)
        parent = Company.objects.filter(slug=parent_slug).first() if parent_slug else None
        if parent_slug and parent is None:
            review.append(("parent_not_found", f"parent company {parent_slug!r} is unknown"))
        if not name:
            review.append(("company_created_from_slug", f"company {slug!r} created"))
        return self._create_company(
            name=name or slug.replace("-", " ").title(), slug=slug, parent=parent
        )

    def _create_company(self, **fields) -> Company:
        company = company_create(is_published=self.publish, **fields)
        self._index_company(company.pk, company.name)
        self.report.created["companies"].append(company.name)
        return company

    def authority(
        self, *, name: str, slug: str = "", country: str = "", kind: str, review: list
    ) -> Authority:
        cache_key = (slug, name.casefold(), country)
        if cache_key in self.authorities:
            return self.authorities[cache_key]
        found = Authority.objects.filter(slug=slug).first() if slug else None
        if found is None and name:
            same_name = Q(name__iexact=name) | Q(abbreviation__iexact=name)
            candidates = Authority.objects.filter(same_name)
            found = candidates.filter(country=country).first() or (
                candidates.first() if not country else None
            )
        if found is None:
            found = validate_and_save(
                Authority(
                    name=name[:200] or slug,
                    slug=slug or unique_slug(Authority, name),
                    kind=kind,
                    country=country,
                    is_published=self.publish,
                )
            )
            self.report.created["authorities"].append(found.name)
            if kind == Authority.Kind.OTHER:
                review.append(("authority_kind_guessed", f"authority {found.name!r} created"))
        self.authorities[cache_key] = found
        return found

    def law_by_name(self, name: str, jurisdiction: str) -> Law | None:
        full_name, known_jurisdiction = KNOWN_LAW_NAMES.get(name.upper(), (name, jurisdiction))
        if not jurisdiction and not known_jurisdiction:
            return None
        jurisdiction = known_jurisdiction or jurisdiction
        cache_key = (name.casefold(), jurisdiction)
        if cache_key not in self.laws:
            law = Law.objects.filter(
                Q(short_name__iexact=name) | Q(full_name__iexact=name), jurisdiction=jurisdiction
            ).first()
            if law is None:
                law = self._create_law(
                    short_name=name[:60], full_name=full_name[:300], jurisdiction=jurisdiction
                )
            self.laws[cache_key] = law
        return self.laws[cache_key]

    def law_by_slug(self, slug: str, jurisdiction: str, review: list) -> Law | None:
        law = Law.objects.filter(slug=slug).first()
        if law is not None:
            return law
        if not jurisdiction:
            review.append(("law_unknown", f"law {slug!r} is unknown and has no jurisdiction"))
            return None
        review.append(("law_created_from_slug", f"law {slug!r} created"))
        name = slug.replace("-", " ").upper()
        return self._create_law(
            short_name=name[:60], full_name=name, jurisdiction=jurisdiction, slug=slug
        )

    def _create_law(self, *, short_name, full_name, jurisdiction, slug="") -> Law:
        law = validate_and_save(
            Law(
                short_name=short_name,
                slug=slug or unique_slug(Law, short_name, max_length=100),
                full_name=full_name,
                jurisdiction=jurisdiction,
                is_published=self.publish,
            )
        )
        self.report.created["laws"].append(f"{law.short_name} ({law.jurisdiction})")
        return law


def source_for_url(url: str, title: str, publisher: str = "") -> Source:
    """The source at an address, created if new; an existing source's title is kept."""
    existing = Source.objects.filter(url=url).first()
    if existing is not None:
        return existing
    return source_get_or_create(url=url, title=title[:500], publisher=publisher[:200])


def sources_for_urls(urls: list[str], review: list, title: str = "", publisher="") -> list:
    sources = []
    for url in urls:
        if valid_url(url):
            sources.append(source_for_url(url, title or url, publisher))
        else:
            review.append(("source_invalid", f"source {url!r} is not a valid address"))
    return sources


def split_list(value: str) -> list[str]:
    return [item for item in (clean_line(part) for part in value.split(LIST_SEPARATOR)) if item]


def check_choice(value: str, choices, column: str) -> str:
    if value not in choices.values:
        raise SkipRow(
            "invalid_value", f"{column} {value!r} is not one of {', '.join(choices.values)}"
        )
    return value


def check_currency(value: str) -> str:
    value = value.upper()
    if not is_currency_code(value):
        raise SkipRow("invalid_value", f"currency {value!r} is not an ISO 4217 code")
    return value


# Writing records --------------------------------------------------------------------------


def save_record(
    model, *, natural_key: dict, fallback_pk, fallback_match: dict, values: dict, links: dict, row
):
    """Create or update a record by natural key, or by the exported id when the key changed.

    An exported id is trusted only if that record still belongs to the same company or
    lawsuit, so ids from another Casetrack instance cannot overwrite unrelated records.
    """
    existing = model._default_manager.filter(**natural_key).first()
    if existing is None and fallback_pk:
        existing = model._default_manager.filter(pk=fallback_pk, **fallback_match).first()
    values = dict(values)
    publish = row.report_publish and not row.review
    if existing is None or publish:
        values["is_published"] = publish
    if existing is None:
        record, outcome = upsert(model, natural_key, values)
    else:
        record, outcome = upsert(model, {"pk": existing.pk}, {**natural_key, **values})
    if record_links_add(record, **links) and outcome == Outcome.UNCHANGED:
        outcome = Outcome.UPDATED
    return record, outcome


@dataclass
class RowContext:
    """What one row's handler needs: its result to fill in and the import's shared state."""

    result: RowResult
    resolver: Resolver
    seen_records: dict
    report_publish: bool

    @property
    def review(self) -> list:
        return self.result.review


def import_gdpr_row(cells: dict[str, str], row: RowContext):
    controller = clean_line(cells["controller"])
    if is_unknown(controller):
        raise SkipRow("company_unknown")
    amount = parse_amount(cells["price"])
    decided_on = parse_us_date(cells["date"])
    authority_name = clean_line(cells["authority"])
    if is_unknown(authority_name):
        raise SkipRow("authority_missing")
    country, exact = country_code(cells["name"])
    if not exact:
        row.review.append(("country_unknown", f"country {clean_line(cells['name'])!r} unread"))
    if decided_on > datetime.date.today():
        row.review.append(("date_in_future", f"decision date {decided_on} is in the future"))

    company = row.resolver.company_by_name(controller, row.review)
    authority = row.resolver.authority(
        name=authority_name, country=country, kind=Authority.Kind.DATA_PROTECTION, review=row.review
    )
    natural_key = _claim_violation(row, company, authority, decided_on, amount)

    articles = split_list(cells["article_violated"])
    laws = []
    for article in articles:
        name = law_name_from_article(article)
        law = row.resolver.law_by_name(name, country) if name else None
        if law is None:
            row.review.append(("law_unknown", f"no law read from {article!r}"))
        elif law not in laws:
            laws.append(law)
    title = f"{authority.name}: fine against {controller} ({decided_on:%d %B %Y})"
    sources = sources_for_urls(split_list(cells["source"]), row.review, title, authority.name)
    kind_text = clean_line(cells["type"])
    parts = [
        f"{kind_text}." if kind_text and not is_unknown(kind_text) else "",
        clean_text(cells["summary"]),
        f"Articles cited: {'; '.join(articles)}." if articles else "",
    ]
    values = {
        "currency": "EUR",
        "kind": Violation.Kind.FINE,
        "decided_on_precision": DatePrecision.DAY,
        "description": "\n\n".join(part for part in parts if part),
    }
    return _save_violation(row, natural_key, values, laws, sources)


def import_casetrack_violation(cells: dict[str, str], row: RowContext):
    _check_record_type(cells, "violation")
    company_slug = clean_line(cells["company_slug"])
    company_name = clean_line(cells["company"])
    if not company_slug and is_unknown(company_name):
        raise SkipRow("company_unknown")
    if not clean_line(cells["authority_slug"]) and is_unknown(clean_line(cells["authority"])):
        raise SkipRow("authority_missing")
    kind = check_choice(clean_line(cells["kind"]), Violation.Kind, "kind")
    status = check_choice(clean_line(cells["status"]), Violation.Status, "status")
    amount = parse_amount(cells["amount"], zero_means_unknown=False)
    currency = check_currency(clean_line(cells["currency"]))
    decided_on, precision = parse_precise_date(cells["decided_on"], required=True)
    country = clean_line(cells["authority_country"]).upper()
    if country and country not in COUNTRY_CODES:
        row.review.append(("country_unknown", f"country {country!r} is not an ISO code"))
        country = ""

    company = row.resolver.company_by_slug(
        company_slug, company_name, clean_line(cells["parent_company_slug"]), row.review
    )
    authority = row.resolver.authority(
        name=clean_line(cells["authority"]),
        slug=clean_line(cells["authority_slug"]),
        country=country,
        kind=Authority.Kind.OTHER,
        review=row.review,
    )
    lawsuit = _lawsuit_or_flag(clean_line(cells["lawsuit_slug"]), row)
    natural_key = _claim_violation(row, company, authority, decided_on, amount)
    laws = _laws_by_slug(cells["laws"], country, row)
    sources = sources_for_urls(split_list(cells["sources"]), row.review)
    values = {
        "currency": currency,
        "kind": kind,
        "status": status,
        "decided_on_precision": precision,
        "lawsuit": lawsuit,
        "description": cells["description"].strip(),
    }
    return _save_violation(row, natural_key, values, laws, sources, _exported_id(cells))


def _claim_violation(row: RowContext, company, authority, decided_on, amount) -> dict:
    """A violation's natural key, claimed for this row: a later row for it is skipped."""
    _claim(row, ("violation", company.pk, authority.pk, decided_on, amount))
    return {"company": company, "authority": authority, "decided_on": decided_on, "amount": amount}


def _save_violation(row: RowContext, natural_key: dict, values, laws, sources, exported_id=None):
    return save_record(
        Violation,
        natural_key=natural_key,
        fallback_pk=exported_id,
        fallback_match={"company": natural_key["company"], "authority": natural_key["authority"]},
        values=values,
        links={"laws": laws, "sources": sources},
        row=row,
    )


def import_casetrack_settlement(cells: dict[str, str], row: RowContext):
    _check_record_type(cells, "settlement")
    lawsuit_slug = clean_line(cells["lawsuit_slug"])
    if not lawsuit_slug:
        raise SkipRow("lawsuit_missing")
    lawsuit_kind = check_choice(clean_line(cells["lawsuit_kind"]), Lawsuit.Kind, "lawsuit_kind")
    status = check_choice(clean_line(cells["status"]), Settlement.Status, "status")
    amount = parse_amount(cells["amount"], zero_means_unknown=False)
    currency = check_currency(clean_line(cells["currency"]))
    announced_on, announced_precision = parse_precise_date(cells["announced_on"], required=False)
    approved_on, approved_precision = parse_precise_date(cells["approved_on"], required=False)
    claim_deadline, deadline_precision = parse_precise_date(cells["claim_deadline"], required=False)
    if claim_deadline and deadline_precision != DatePrecision.DAY:
        raise SkipRow("date_invalid", "claim_deadline must be a full date")

    authority = None
    authority_name = clean_line(cells["authority"])
    authority_slug = clean_line(cells["authority_slug"])
    if authority_slug or not is_unknown(authority_name):
        authority = row.resolver.authority(
            name=authority_name, slug=authority_slug, kind=Authority.Kind.OTHER, review=row.review
        )
    defendants = [
        row.resolver.company_by_slug(slug, "", "", row.review)
        for slug in split_list(cells["defendants"])
    ]
    jurisdiction = authority.country if authority else ""
    lawsuit_values = {
        "title": clean_line(cells["lawsuit"]) or lawsuit_slug,
        "kind": lawsuit_kind,
        "authority": authority,
        "docket_number": clean_line(cells["docket_number"]),
    }
    publish = row.report_publish and not row.review
    if publish or not Lawsuit.objects.filter(slug=lawsuit_slug).exists():
        lawsuit_values["is_published"] = publish
    lawsuit, lawsuit_outcome = lawsuit_upsert(
        slug=lawsuit_slug,
        defendants=defendants,
        laws=_laws_by_slug(cells["laws"], jurisdiction, row),
        **lawsuit_values,
    )
    _claim(row, ("settlement", lawsuit.pk, amount, currency))
    values = {
        "status": status,
        "announced_on": announced_on,
        "announced_on_precision": announced_precision,
        "approved_on": approved_on,
        "approved_on_precision": approved_precision,
        "claim_deadline": claim_deadline,
        "class_description": cells["class_description"].strip(),
        "summary": cells["summary"].strip(),
    }
    settlement, outcome = save_record(
        Settlement,
        natural_key={"lawsuit": lawsuit, "amount": amount, "currency": currency},
        fallback_pk=_exported_id(cells),
        fallback_match={"lawsuit": lawsuit},
        values=values,
        links={"sources": sources_for_urls(split_list(cells["sources"]), row.review)},
        row=row,
    )
    if outcome == Outcome.UNCHANGED and lawsuit_outcome != Outcome.UNCHANGED:
        outcome = Outcome.UPDATED  # the row put its lawsuit back as exported
    return settlement, outcome


def _check_record_type(cells, expected: str) -> None:
    record_type = clean_line(cells["record_type"])
    if record_type != expected:
        raise SkipRow("record_type_mismatch", f"record_type {record_type!r}, not {expected!r}")


def _exported_id(cells) -> int | None:
    text = clean_line(cells["id"])
    return int(text) if text.isdigit() else None


def _lawsuit_or_flag(slug: str, row: RowContext) -> Lawsuit | None:
    if not slug:
        return None
    lawsuit = Lawsuit.objects.filter(slug=slug).first()
    if lawsuit is None:
        row.review.append(("lawsuit_not_found", f"lawsuit {slug!r} is unknown"))
    return lawsuit


def _laws_by_slug(text: str, jurisdiction: str, row: RowContext) -> list[Law]:
    laws = (row.resolver.law_by_slug(slug, jurisdiction, row.review) for slug in split_list(text))
    return [law for law in laws if law is not None]


def _claim(row: RowContext, key: tuple) -> None:
    """Refuse a second row for the same record: which of the two is right is not knowable."""
    first_line = row.seen_records.setdefault(key, row.result.line)
    if first_line != row.result.line:
        raise SkipRow("duplicate_record", f"the same record as line {first_line}")


ROW_HANDLERS = {
    "gdpr": import_gdpr_row,
    "casetrack-violations": import_casetrack_violation,
    "casetrack-settlements": import_casetrack_settlement,
}


def import_records(data: bytes, *, dry_run: bool = False, publish: bool = False) -> ImportReport:
    """Import a CSV file; with dry_run everything is done and then rolled back.

    Raises ImportRefused, before writing anything, when the file cannot be imported.
    """
    table = read_table(data)
    report = ImportReport(layout=table.layout, dry_run=dry_run, publish=publish)
    handler = ROW_HANDLERS[table.layout]
    own_layout = table.layout.startswith("casetrack")
    seen_rows: dict[tuple, int] = {}
    seen_records: dict[tuple, int] = {}
    with transaction.atomic():
        resolver = Resolver(report)
        for line, raw_cells in table.rows:
            result = RowResult(line=line, external_id=_external_id(table.header, raw_cells))
            report.rows.append(result)
            if len(raw_cells) != len(table.header):
                result.action, result.reason = "skipped", "wrong_cell_count"
                result.message = f"{len(raw_cells)} cells, the header has {len(table.header)}"
                continue
            cells = [restore_cell(cell) if own_layout else cell for cell in raw_cells]
            fingerprint = tuple(clean_line(cell) for cell in cells)
            first_line = seen_rows.setdefault(fingerprint, line)
            if first_line != line:
                result.action, result.reason = "skipped", "duplicate_row"
                result.message = f"identical to line {first_line}"
                continue
            row = RowContext(result, resolver, seen_records, publish)
            _import_row(handler, dict(zip(table.header, cells, strict=True)), row, report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _external_id(header: list[str], cells: list[str]) -> str:
    position = header.index("id")
    return clean_line(cells[position]) if position < len(cells) else ""


def _import_row(handler, cells: dict[str, str], row: RowContext, report: ImportReport) -> None:
    result = row.result
    created_before = {kind: len(names) for kind, names in report.created.items()}
    try:
        with transaction.atomic():
            record, outcome = handler(cells, row)
    except SkipRow as skip:
        result.action, result.reason, result.message = "skipped", skip.code, skip.detail
    except (ValidationError, DatabaseError) as error:
        result.action, result.reason = "skipped", "invalid_record"
        result.message = _error_text(error)
    else:
        result.action = outcome.value
        result.record_type = record._meta.model_name
        result.record_id = record.pk
        result.record_label = str(record)
        result.new_references = [
            f"{REFERENCE_KINDS[kind]}: {name}"
            for kind, count in created_before.items()
            for name in report.created[kind][count:]
        ]
        return
    # The row's savepoint was rolled back: forget what it created, and the caches with it.
    if any(len(report.created[kind]) != count for kind, count in created_before.items()):
        for kind, count in created_before.items():
            del report.created[kind][count:]
        row.resolver.reset()


def _error_text(error) -> str:
    if isinstance(error, ValidationError) and hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in error.message_dict.items()
        )
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error).splitlines()[0]
