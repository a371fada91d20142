from decimal import Decimal

from django.contrib.postgres.search import SearchVectorField
from django.db import connections, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from companies.models import FAMILY_IDS_SQL, Company
from core.countries import country_constraint, country_field
from core.dates import DatePrecision, format_precise_date, precise_date_constraints
from core.lookups import IdList
from core.models import (
    PublishableModel,
    PublishableQuerySet,
    TimeStampedModel,
    choices_constraint,
    money_constraints,
)
from core.money import CURRENCY_CHOICES, format_approximate_usd, format_money
from core.urls import detail_url

AMOUNT_DIGITS = {"max_digits": 20, "decimal_places": 2}


def company_ids(company: Company, include_family: bool) -> IdList:
    """The company's id, or its whole family's, read once per company object.

    A list rather than the recursive subquery: PostgreSQL then knows how many companies
    (and so lawsuits and records) to expect, and reads a large family by index instead of
    hashing every defendant; the pages that filter several times reuse the list (an
    ``IdList``, whose array literal is written once).
    """
    if not include_family:
        return IdList([company.pk])
    ids = getattr(company, "_family_ids", None)
    if ids is None:
        # The recursive query on its own: wrapped as ``id IN (...)`` PostgreSQL hashed it
        # against every company (6.7 ms for the largest family, 1.4 ms alone).
        with connections[Company.objects.db].cursor() as cursor:
            cursor.execute(f"{FAMILY_IDS_SQL} ORDER BY id", [company.pk])
            ids = company._family_ids = IdList(row[0] for row in cursor.fetchall())
    return ids


class SearchDocumentField(SearchVectorField):
    """A tsvector on PostgreSQL. Elsewhere a column that stays empty: SQLite matches text.

    django.contrib.postgres is installed only on PostgreSQL, so its installed-app check is
    left out; the field's lookups and expressions come from the module itself.
    """

    def _check_postgres_installed(self, *args):
        return []

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"


def search_document_field() -> SearchDocumentField:
    return SearchDocumentField(
        null=True,
        editable=False,
        help_text=(
            "Derived, PostgreSQL only: the weighted words public search matches and ranks, "
            "including the names of linked companies and authorities; kept by database "
            "triggers (cases/search_documents.sql)."
        ),
    )


# Derived columns that edit history does not copy.
SEARCH_DOCUMENTS = ["search_document", "own_search_document"]


def own_search_document_field() -> SearchDocumentField:
    return SearchDocumentField(
        null=True,
        editable=False,
        help_text=(
            "Derived, PostgreSQL only: the weighted words of the record's own text (title, "
            "docket, summary, description, authority) without the names of its companies, so "
            "that search ranks own-text matches first; kept by database triggers "
            "(cases/search_documents.sql)."
        ),
    )


class AuthorityKind(models.TextChoices):
    COURT = "court", "Court"
    REGULATOR = "regulator", "Regulator"
    DATA_PROTECTION = "data_protection", "Data protection authority"
    ATTORNEY_GENERAL = "attorney_general", "Attorney general"
    GOVERNMENT = "government", "Government department"
    OTHER = "other", "Other"


class Authority(PublishableModel):
    Kind = AuthorityKind

    name = models.CharField(max_length=200, help_text="Full name, e.g. Federal Trade Commission.")
    slug = models.SlugField(max_length=200, unique=True, help_text="Unique, used in addresses.")
    abbreviation = models.CharField(
        max_length=40, blank=True, help_text='Short name used in the press, e.g. "FTC", "CNIL".'
    )
    kind = models.CharField(
        max_length=20, choices=Kind.choices, help_text="What sort of body this is."
    )
    country = country_field()
    region = models.CharField(
        max_length=100,
        blank=True,
        help_text="State, province or district where it sits, e.g. Illinois; blank if national.",
    )
    website = models.URLField(blank=True, help_text="The authority's official website.")
    description = models.TextField(blank=True, help_text="What it does and what it enforces.")
    history = HistoricalRecords()

    objects = PublishableQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "authorities"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "country",
                name="authority_name_country_unique",
                violation_error_message="An authority with this name already exists there.",
            ),
            choices_constraint("kind", AuthorityKind, "authority"),
            country_constraint("authority"),
        ]

    # What __str__ returns: filter selects read their options' labels from this column.
    choice_label_field = "name"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return detail_url("cases:authority-detail", "slug", self.slug)


class Law(PublishableModel):
    short_name = models.CharField(
        max_length=60, help_text='The name the press uses, e.g. "BIPA", "COPPA", "GDPR".'
    )
    slug = models.SlugField(max_length=100, unique=True, help_text="Unique, used in addresses.")
    full_name = models.CharField(
        max_length=300,
        help_text="The official title, e.g. Children's Online Privacy Protection Act.",
    )
    jurisdiction = models.CharField(
        max_length=20,
        help_text="Where the law applies, as an ISO code: US, US-IL (a state), EU, FR …",
    )
    citation = models.CharField(
        max_length=200, blank=True, help_text="Official citation, e.g. 15 U.S.C. §§ 6501–6506."
    )
    description = models.TextField(blank=True, help_text="What the law protects, in brief.")
    history = HistoricalRecords()

    objects = PublishableQuerySet.as_manager()

    class Meta:
        ordering = ["short_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("short_name"),
                "jurisdiction",
                name="law_short_name_jurisdiction_unique",
                violation_error_message="A law with this short name already exists there.",
            ),
        ]

    # What __str__ returns: filter selects read their options' labels from this column.
    choice_label_field = "short_name"

    def __str__(self):
        return self.short_name

    def get_absolute_url(self):
        return detail_url("cases:law-detail", "slug", self.slug)


class Source(TimeStampedModel):
    """A citation: where a fact about a record was published."""

    url = models.URLField(
        max_length=2000,
        blank=True,
        help_text="Address of the source; blank only for print or offline sources.",
    )
    title = models.CharField(max_length=500, help_text="Title of the article, release or filing.")
    publisher = models.CharField(
        max_length=200, blank=True, help_text="Who published it, e.g. FTC, Reuters, a court."
    )
    published_on = models.DateField(
        null=True, blank=True, help_text="When it was published, if known."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url=""),
                name="source_url_unique",
                violation_error_message="A source with this address already exists.",
            ),
            models.CheckConstraint(
                condition=~Q(title=""),
                name="source_title_required",
                violation_error_message="A source needs a title.",
            ),
        ]

    def __str__(self):
        return f"{self.publisher}: {self.title}" if self.publisher else self.title


class RecordQuerySet(PublishableQuerySet):
    """Reads shared by settlements and violations; subclasses say where company and year live."""

    date_field: str

    def in_year(self, year: int):
        return self.filter(**{f"{self.date_field}__year": year})


class LawsuitQuerySet(PublishableQuerySet):
    def for_company(self, company: Company, include_family: bool = True):
        defendants = LawsuitDefendant.objects.filter(
            lawsuit=OuterRef("pk"), company_id__any_of=company_ids(company, include_family)
        )
        return self.filter(Exists(defendants))

    def in_year(self, year: int):
        return self.filter(filed_on__year=year)


class LawsuitKind(models.TextChoices):
    CLASS_ACTION = "class_action", "Class action"
    REGULATORY = "regulatory", "Regulatory action"
    GOVERNMENT = "government", "Government suit"
    INDIVIDUAL = "individual", "Individual suit"
    CRIMINAL = "criminal", "Criminal case"


class LawsuitStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SETTLED = "settled", "Settled"
    DISMISSED = "dismissed", "Dismissed"
    JUDGMENT = "judgment", "Judgment"
    CLOSED = "closed", "Closed"


class Lawsuit(PublishableModel):
    Kind = LawsuitKind
    Status = LawsuitStatus

    title = models.CharField(
        max_length=300,
        help_text='The case name, e.g. "In re TikTok, Inc., Consumer Privacy Litigation".',
    )
    slug = models.SlugField(max_length=200, unique=True, help_text="Unique, used in addresses.")
    kind = models.CharField(max_length=20, choices=Kind.choices, help_text="The kind of action.")
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        help_text="Where the case stands now.",
    )
    defendants = models.ManyToManyField(
        Company,
        through="LawsuitDefendant",
        related_name="lawsuits",
        help_text="The companies sued or prosecuted.",
    )
    plaintiffs = models.CharField(
        max_length=300,
        blank=True,
        help_text='Who brought it, e.g. "Federal Trade Commission" or "A class of US users".',
    )
    authority = models.ForeignKey(
        Authority,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lawsuits",
        help_text="The court or agency the action is before.",
    )
    docket_number = models.CharField(
        max_length=100,
        blank=True,
        help_text="Case or docket number at that court, e.g. MDL No. 2948; blank if unknown.",
    )
    filed_on = models.DateField(null=True, blank=True, help_text="When the action was filed.")
    filed_on_precision = models.CharField(
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How precisely the filing date is known.",
    )
    laws = models.ManyToManyField(
        Law, blank=True, related_name="lawsuits", help_text="The laws the action invokes."
    )
    summary = models.TextField(blank=True, help_text="What the case is about, in your own words.")
    sources = models.ManyToManyField(
        Source, blank=True, related_name="lawsuits", help_text="Where these facts come from."
    )
    related = models.ManyToManyField(
        "self",
        through="LawsuitRelation",
        symmetrical=False,
        blank=True,
        related_name="related_from",
        help_text="Other lawsuits connected to this one.",
    )
    search_document = search_document_field()
    own_search_document = own_search_document_field()
    history = HistoricalRecords(m2m_fields=[laws, sources], excluded_fields=SEARCH_DOCUMENTS)

    objects = LawsuitQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "docket_number"],
                condition=~Q(docket_number=""),
                name="lawsuit_authority_docket_unique",
                violation_error_message="This court already has a lawsuit with this docket number.",
            ),
            choices_constraint("kind", LawsuitKind, "lawsuit"),
            choices_constraint("status", LawsuitStatus, "lawsuit"),
            *precise_date_constraints("filed_on", "filed_on_precision", "lawsuit"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return detail_url("cases:lawsuit-detail", "slug", self.slug)

    @property
    def filed_on_display(self) -> str:
        return format_precise_date(self.filed_on, self.filed_on_precision)


class LawsuitDefendant(models.Model):
    lawsuit = models.ForeignKey(
        Lawsuit, on_delete=models.CASCADE, help_text="The lawsuit.", related_name="defendant_links"
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, help_text="A company named as defendant."
    )
    history = HistoricalRecords()

    class Meta:
        indexes = [
            # Finds a company family's lawsuits from an index alone (company pages, filters).
            models.Index(fields=["company", "lawsuit"], name="defendant_company_lawsuit_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["lawsuit", "company"],
                name="lawsuit_defendant_unique",
                violation_error_message="This company is already a defendant in this lawsuit.",
            )
        ]

    def __str__(self):
        return f"{self.company} in {self.lawsuit}"


class LawsuitRelationKind(models.TextChoices):
    FOLLOW_ON = "follow_on", "Follow-on action"
    ENFORCES_ORDER = "enforces_order", "Enforces a prior order"
    SAME_CONDUCT = "same_conduct", "Same conduct elsewhere"
    CONSOLIDATED = "consolidated", "Consolidated into"
    APPEAL = "appeal", "Appeal of"


class LawsuitRelation(models.Model):
    Kind = LawsuitRelationKind

    from_lawsuit = models.ForeignKey(
        Lawsuit,
        on_delete=models.CASCADE,
        related_name="relations_out",
        help_text="The lawsuit that relates to another.",
    )
    to_lawsuit = models.ForeignKey(
        Lawsuit,
        on_delete=models.CASCADE,
        related_name="relations_in",
        help_text="The lawsuit it relates to.",
    )
    kind = models.CharField(
        max_length=20,
        choices=Kind.choices,
        help_text="How the first lawsuit relates to the second.",
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_lawsuit", "to_lawsuit"],
                name="lawsuit_relation_unique",
                violation_error_message="These lawsuits are already related.",
            ),
            models.CheckConstraint(
                condition=~Q(from_lawsuit=models.F("to_lawsuit")),
                name="lawsuit_relation_not_self",
                violation_error_message="A lawsuit cannot be related to itself.",
            ),
            choices_constraint("kind", LawsuitRelationKind, "lawsuit_relation"),
        ]

    def __str__(self):
        return f"{self.from_lawsuit} — {self.get_kind_display()} — {self.to_lawsuit}"


class MoneyRecord(PublishableModel):
    """An amount with its currency and an approximate USD value from yearly average rates."""

    amount = models.DecimalField(
        **AMOUNT_DIGITS, help_text="The amount in its own currency, e.g. 92000000.00."
    )
    currency = models.CharField(
        max_length=3, choices=CURRENCY_CHOICES, default="USD", help_text="ISO 4217 currency code."
    )
    amount_usd = models.DecimalField(
        **AMOUNT_DIGITS,
        null=True,
        blank=True,
        editable=False,
        help_text=(
            "Approximate value in US dollars at the yearly average rate of the record's year; "
            "derived, blank when no rate is known."
        ),
    )

    class Meta:
        abstract = True

    @property
    def amount_display(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def amount_usd_display(self) -> str:
        return format_approximate_usd(self.amount_usd)

    def rate_year(self) -> int | None:
        raise NotImplementedError

    def refresh_amount_usd(self) -> None:
        self.amount_usd = ExchangeRate.objects.to_usd(self.amount, self.currency, self.rate_year())

    def save(self, *args, **kwargs):
        # Kept here, not only in services, so that admin saves and history reverts stay right.
        self.refresh_amount_usd()
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "amount_usd"}
        super().save(*args, **kwargs)


class SettlementQuerySet(RecordQuerySet):
    date_field = "announced_on"

    def for_company(self, company: Company, include_family: bool = True):
        defendants = LawsuitDefendant.objects.filter(
            lawsuit=OuterRef("lawsuit"), company_id__any_of=company_ids(company, include_family)
        )
        return self.filter(Exists(defendants))


class SettlementStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PRELIMINARY_APPROVAL = "preliminary_approval", "Preliminary approval"
    FINAL_APPROVAL = "final_approval", "Final approval"
    PAID = "paid", "Paid"
    REJECTED = "rejected", "Rejected"


class Settlement(MoneyRecord):
    Status = SettlementStatus

    lawsuit = models.ForeignKey(
        Lawsuit,
        on_delete=models.PROTECT,
        related_name="settlements",
        help_text="The lawsuit this settlement ends or resolves in part.",
    )
    status = models.CharField(
        max_length=25,
        choices=Status.choices,
        default=Status.PROPOSED,
        help_text="Where the settlement stands in its approval lifecycle.",
    )
    announced_on = models.DateField(
        null=True, blank=True, help_text="When the settlement was announced or filed."
    )
    announced_on_precision = models.CharField(
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How precisely the announcement date is known.",
    )
    approved_on = models.DateField(
        null=True, blank=True, help_text="When the court granted final approval."
    )
    approved_on_precision = models.CharField(
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How precisely the final approval date is known.",
    )
    claim_deadline = models.DateField(
        null=True, blank=True, help_text="Last day for class members to file a claim."
    )
    class_description = models.TextField(
        blank=True, help_text="Who is in the settlement class, in brief."
    )
    summary = models.TextField(blank=True, help_text="What the settlement provides, in brief.")
    sources = models.ManyToManyField(
        Source, blank=True, related_name="settlements", help_text="Where these facts come from."
    )
    search_document = search_document_field()
    own_search_document = own_search_document_field()
    history = HistoricalRecords(m2m_fields=[sources], excluded_fields=SEARCH_DOCUMENTS)

    objects = SettlementQuerySet.as_manager()

    class Meta:
        ordering = ["-announced_on", "-id"]
        indexes = [
            # The newest records first (home page, statistics) without sorting them all.
            models.Index(fields=["-created_at", "-id"], name="settlement_created_idx")
        ]
        constraints = [
            *money_constraints("settlement"),
            models.UniqueConstraint(
                fields=["lawsuit", "amount", "currency"],
                name="settlement_lawsuit_amount_unique",
                violation_error_message="This lawsuit already has a settlement of this amount.",
            ),
            choices_constraint("status", SettlementStatus, "settlement"),
            *precise_date_constraints("announced_on", "announced_on_precision", "settlement"),
            *precise_date_constraints("approved_on", "approved_on_precision", "settlement"),
        ]

    def __str__(self):
        return f"{self.amount_display} settlement — {self.lawsuit}"

    def get_absolute_url(self):
        return detail_url("cases:settlement-detail", "pk", self.pk)

    def rate_year(self) -> int | None:
        date = self.announced_on or self.approved_on
        return date.year if date else None

    @property
    def announced_on_display(self) -> str:
        return format_precise_date(self.announced_on, self.announced_on_precision)

    @property
    def approved_on_display(self) -> str:
        return format_precise_date(self.approved_on, self.approved_on_precision)


class ViolationQuerySet(RecordQuerySet):
    date_field = "decided_on"

    def for_company(self, company: Company, include_family: bool = True):
        return self.filter(company_id__any_of=company_ids(company, include_family))


class ViolationKind(models.TextChoices):
    FINE = "fine", "Fine"
    CIVIL_PENALTY = "civil_penalty", "Civil penalty"
    CONSENT_ORDER = "consent_order", "Consent order"
    OTHER = "other", "Other"


class ViolationStatus(models.TextChoices):
    FINAL = "final", "Final"
    APPEALED = "appealed", "Under appeal"
    REDUCED = "reduced", "Reduced on appeal"
    OVERTURNED = "overturned", "Overturned"


class Violation(MoneyRecord):
    Kind = ViolationKind
    Status = ViolationStatus

    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        related_name="violations",
        help_text="The company penalised.",
    )
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        related_name="violations",
        help_text="The regulator or court that imposed it.",
    )
    lawsuit = models.ForeignKey(
        Lawsuit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
        help_text="The proceeding it came from, if there was one.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, help_text="The kind of penalty.")
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.FINAL,
        help_text="Whether the decision stands.",
    )
    decided_on = models.DateField(help_text="When the penalty was imposed or agreed.")
    decided_on_precision = models.CharField(
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How precisely the decision date is known.",
    )
    laws = models.ManyToManyField(
        Law, blank=True, related_name="violations", help_text="The laws it found broken."
    )
    description = models.TextField(blank=True, help_text="What the company did, in brief.")
    sources = models.ManyToManyField(
        Source, blank=True, related_name="violations", help_text="Where these facts come from."
    )
    search_document = search_document_field()
    own_search_document = own_search_document_field()
    history = HistoricalRecords(m2m_fields=[laws, sources], excluded_fields=SEARCH_DOCUMENTS)

    objects = ViolationQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_on", "-id"]
        indexes = [
            # The newest records first (home page, statistics) without sorting them all.
            models.Index(fields=["-created_at", "-id"], name="violation_created_idx"),
            # A company's newest penalties first (search walks the best-matching companies'
            # records in this order and stops after a page).
            models.Index(
                fields=["company", "-decided_on", "-id"], name="violation_company_newest_idx"
            ),
        ]
        constraints = [
            *money_constraints("violation"),
            models.UniqueConstraint(
                fields=["company", "authority", "decided_on", "amount"],
                name="violation_natural_key_unique",
                violation_error_message=(
                    "This company already has a penalty of this amount from this authority on "
                    "this date."
                ),
            ),
            choices_constraint("kind", ViolationKind, "violation"),
            choices_constraint("status", ViolationStatus, "violation"),
            *precise_date_constraints("decided_on", "decided_on_precision", "violation"),
        ]

    def __str__(self):
        kind = self.get_kind_display().lower()
        return f"{self.amount_display} {kind} — {self.company} ({self.decided_on_display})"

    def get_absolute_url(self):
        return detail_url("cases:violation-detail", "pk", self.pk)

    def rate_year(self) -> int | None:
        return self.decided_on.year if self.decided_on else None

    @property
    def decided_on_display(self) -> str:
        return format_precise_date(self.decided_on, self.decided_on_precision)


class ExchangeRateQuerySet(models.QuerySet):
    def rates_by_year(self, currency: str) -> dict[int, Decimal]:
        return dict(self.filter(currency=currency).values_list("year", "usd_per_unit"))

    def to_usd(self, amount: Decimal | None, currency: str, year: int | None) -> Decimal | None:
        """Convert at the yearly average rate; the nearest earlier year if that year is missing."""
        if amount is None or not currency:
            return None
        rates = {} if currency == "USD" else self.rates_by_year(currency)
        return convert_to_usd(amount, currency, year, rates)


def convert_to_usd(
    amount: Decimal | None, currency: str, year: int | None, rates: dict[int, Decimal]
) -> Decimal | None:
    """USD value at the rate of ``year``, else the nearest earlier year, else the nearest later.

    Takes the currency's rates already loaded, so that re-deriving many records costs one query.
    """
    if amount is None or not currency:
        return None
    if currency == "USD":
        return Decimal(amount).quantize(Decimal("0.01"))
    if not rates:
        return None
    if year is None:
        chosen = max(rates)
    else:
        earlier = [y for y in rates if y <= year]
        chosen = max(earlier) if earlier else min(rates)
    return (Decimal(amount) * rates[chosen]).quantize(Decimal("0.01"))


class ExchangeRate(TimeStampedModel):
    currency = models.CharField(
        max_length=3, choices=CURRENCY_CHOICES, help_text="ISO 4217 code of the currency."
    )
    year = models.PositiveSmallIntegerField(help_text="Calendar year the average covers.")
    usd_per_unit = models.DecimalField(
        max_digits=18,
        decimal_places=8,
        help_text="Yearly average: how many US dollars one unit of the currency bought.",
    )
    source = models.CharField(
        max_length=300, blank=True, help_text="Where the average comes from, and if provisional."
    )
    history = HistoricalRecords()

    objects = ExchangeRateQuerySet.as_manager()

    class Meta:
        ordering = ["currency", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "year"],
                name="exchange_rate_currency_year_unique",
                violation_error_message="There is already a rate for this currency and year.",
            ),
            models.CheckConstraint(
                condition=Q(usd_per_unit__gt=0),
                name="exchange_rate_positive",
                violation_error_message="A rate must be greater than zero.",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1900) & Q(year__lte=2100),
                name="exchange_rate_year_range",
                violation_error_message="The year must be between 1900 and 2100.",
            ),
            money_constraints("exchange_rate")[1],
        ]

    def __str__(self):
        return f"{self.currency} {self.year}: {self.usd_per_unit} USD"


class SummaryGrain(models.TextChoices):
    TOTALS = "totals", "Year, kind, status and currency"
    AUTHORITY = "authority", "Year and authority"
    LAW = "law", "Year and law"
    # All years together (year 0): what the unfiltered list and the statistics read.
    AUTHORITY_ALL_YEARS = "authority*", "Authority, all years"
    LAW_ALL_YEARS = "law*", "Law, all years"
    # By amount band too (cases.amount_bands): what the lists' amount filters read.
    BAND = "band", "Year, amount band, kind, status and currency"
    BAND_AUTHORITY = "bandauth", "Year, amount band and authority"
    BAND_AUTHORITY_ALL_YEARS = "bandauth*", "Amount band and authority, all years"
    # What an amount range reads: without a year filter, its totals and its kind, status and
    # currency facets all years together; without a kind, status or currency filter, its
    # year facet by year and band (hundreds of rows, where the band grain's per-year rows
    # in a range are tens of thousands at a million records).
    BAND_ALL_YEARS = "band*", "Amount band, kind, status and currency, all years"
    BAND_YEAR = "bandyear", "Year and amount band"


class SummaryRecordType(models.TextChoices):
    LAWSUIT = "lawsuit", "Lawsuit"
    SETTLEMENT = "settlement", "Settlement"
    VIOLATION = "violation", "Violation"


class SummaryFigures(models.Model):
    """The fields ``PublicSummary`` and ``FamilySummary`` share: a slice's record type, year
    and authority, and its counts and sums."""

    record_type = models.CharField(
        max_length=10, choices=SummaryRecordType.choices, help_text="The kind of record counted."
    )
    year = models.PositiveSmallIntegerField(
        help_text="Year of the record's leading date (decided, announced, filed); 0 when unknown."
    )
    authority = models.ForeignKey(
        Authority,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        # No index of its own: summaries are read by slice (grain, record type, year), and
        # the planner, given an index on this column, walked all of it to merge-join.
        db_index=False,
        related_name="+",
        help_text="The authority (authority grain); for settlements, their lawsuit's.",
    )
    record_count = models.PositiveIntegerField(help_text="How many public records.")
    amount_total = models.DecimalField(
        max_digits=30,
        decimal_places=2,
        default=0,
        help_text="Sum of the amounts in their currency (totals grain only).",
    )
    usd_total = models.DecimalField(
        max_digits=30, decimal_places=2, default=0, help_text="Sum of the approximate USD values."
    )
    usd_count = models.PositiveIntegerField(
        default=0, help_text="How many of the records have an approximate USD value."
    )

    class Meta:
        abstract = True


class PublicSummary(SummaryFigures):
    """Counts and sums of the public records, per year and one or more facet dimensions.

    Derived data, never edited: ``cases.summary`` keeps it exact (see its docstring) and the
    lists, the company pages and the statistics read it instead of aggregating every row.
    """

    grain = models.CharField(
        max_length=10,
        choices=SummaryGrain.choices,
        help_text="Which dimensions this row is grouped by besides the year.",
    )
    kind = models.CharField(
        max_length=20, blank=True, help_text="Kind of penalty or of case (totals and band grains)."
    )
    status = models.CharField(
        max_length=25, blank=True, help_text="Status (totals and band grains)."
    )
    currency = models.CharField(
        max_length=3, blank=True, help_text="Currency (totals and band grains)."
    )
    law = models.ForeignKey(
        Law,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # as ``authority``: /stats/'s laws query walked it (84 ms at 1M)
        related_name="+",
        help_text="The law (law grain); for settlements, one of their lawsuit's laws.",
    )
    amount_band = models.DecimalField(
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=(
            "Band grains: the lower bound, in approximate US dollars, of the amount band of "
            "these records (cases/amount_bands.py); empty for records without a USD value "
            "and in the other grains."
        ),
    )

    class Meta:
        indexes = [
            models.Index(fields=["grain", "record_type", "year"], name="summary_slice_idx"),
            models.Index(fields=["grain", "record_type", "amount_band"], name="summary_band_idx"),
        ]
        constraints = [
            choices_constraint("grain", SummaryGrain, "summary"),
            choices_constraint("record_type", SummaryRecordType, "summary"),
        ]

    def __str__(self):
        return f"{self.grain} {self.record_type} {self.year}: {self.record_count}"


class CompanyTotals(models.Model):
    """One company's own public records (every defendant of a lawsuit counts it), derived.

    Kept exact by ``cases.summary``; the statistics' top companies read it.
    """

    company = models.OneToOneField(
        Company,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="record_totals",
        help_text="The company these totals are for.",
    )
    lawsuit_count = models.PositiveIntegerField(default=0, help_text="Published lawsuits.")
    settlement_count = models.PositiveIntegerField(default=0, help_text="Public settlements.")
    settlements_usd = models.DecimalField(
        max_digits=30, decimal_places=2, default=0, help_text="Their approximate USD sum."
    )
    violation_count = models.PositiveIntegerField(default=0, help_text="Public penalties.")
    violations_usd = models.DecimalField(
        max_digits=30, decimal_places=2, default=0, help_text="Their approximate USD sum."
    )
    total_usd = models.DecimalField(
        max_digits=30,
        decimal_places=2,
        default=0,
        db_index=True,
        help_text="Settlements and penalties together, approximate USD.",
    )

    def __str__(self):
        return f"{self.company_id}: {self.total_usd}"


class FamilySummary(SummaryFigures):
    """Public figures of a company's whole family: the company and every subsidiary below it.

    Derived data, never edited: one set of rows for each company that has at least one
    subsidiary (published or not, as the family filter counts them), kept exact by
    ``cases.summary``. A record is counted once per family, however many of its lawsuit's
    defendants belong to it. The company page and the lists filtered by a family read it.
    """

    company = models.ForeignKey(
        Company,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # family_summary_slice_idx starts with the company
        related_name="+",
        help_text="The company at the top of the family these figures cover.",
    )
    grain = models.CharField(
        max_length=10,
        choices=SummaryGrain.choices,
        help_text="Which dimensions this row is grouped by besides the year (totals or authority).",
    )
    kind = models.CharField(
        max_length=20, blank=True, help_text="Kind of penalty or of case (totals grain)."
    )
    status = models.CharField(max_length=25, blank=True, help_text="Status (totals grain).")
    currency = models.CharField(max_length=3, blank=True, help_text="Currency (totals grain).")

    class Meta:
        indexes = [
            models.Index(
                fields=["company", "record_type", "grain", "year"], name="family_summary_slice_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(grain__in=[SummaryGrain.TOTALS, SummaryGrain.AUTHORITY]),
                name="family_summary_grain_valid",
            ),
            choices_constraint("record_type", SummaryRecordType, "family_summary"),
        ]

    def __str__(self):
        return f"{self.company_id} {self.grain} {self.record_type} {self.year}: {self.record_count}"


class SummaryDirty(models.Model):
    """A slice of the summaries that a write changed, written by database triggers.

    ``scope`` is ``year`` (``key`` is a year, 0 for none, of ``record_type``) or ``company``
    (``key`` is a company id). Readers recompute these slices before reading.
    """

    scope = models.CharField(max_length=10, help_text="year or company.")
    record_type = models.CharField(max_length=10, blank=True, help_text="For year slices.")
    key = models.BigIntegerField(help_text="The year or the company id.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "record_type", "key"], name="summary_dirty_unique"
            ),
            models.CheckConstraint(
                condition=Q(scope__in=["year", "company"]), name="summary_dirty_scope_valid"
            ),
        ]

    def __str__(self):
        return f"{self.scope} {self.record_type} {self.key}"
