"""Flat, documented representations of the public records.

Amounts are decimal strings with their ISO 4217 currency and an approximate US-dollar value;
dates are written at the precision they are known ("2019", "2019-02", "2019-02-27") beside
that precision; related records appear as their slug plus their API address, and only when
they are published themselves.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from api.representation import FastRepresentation
from cases.csv_layout import format_partial_date
from cases.models import Authority, Law, Lawsuit, Settlement, Source, Violation
from companies.models import Company
from core.dates import DatePrecision
from core.urls import absolute_url, detail_url

AMOUNT = {"max_digits": 20, "decimal_places": 2, "coerce_to_string": True, "read_only": True}
PARTIAL_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
LISTED_SOURCES = "listed_sources"


def published(record):
    return record if record is not None and record.is_published else None


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": PARTIAL_DATE_PATTERN,
        "example": "2021-02",
        "description": "Partial ISO date at its precision: 2019, 2019-02 or 2019-02-27.",
    }
)
class PreciseDateField(serializers.Field):
    """A date written only as precisely as it is known, read from ``<date>_precision``."""

    reads_no_context = True  # api.representation may run it from its per-class plan

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, record):
        value = getattr(record, self.field_name)
        return format_partial_date(value, getattr(record, f"{self.field_name}_precision")) or None


def precision_field(date_field: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=DatePrecision.choices,
        read_only=True,
        help_text=f"How precisely {date_field} is known: year, month or day.",
    )


@extend_schema_field({"type": "string", "nullable": True, "example": "tiktok"})
class RelatedSlugField(serializers.Field):
    """The slug of a related record; null when there is none or it is not published."""

    def __init__(self, *, through: str = "", **kwargs):
        self.through = through  # follow this attribute first, e.g. a defendant link's company
        super().__init__(read_only=True, **kwargs)

    def related(self, value):
        return published(getattr(value, self.through) if self.through and value else value)

    def to_representation(self, value):
        related = self.related(value)
        return related.slug if related else None


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class RelatedUrlField(RelatedSlugField):
    """The API address of a related record; null when there is none or it is unpublished."""

    def __init__(self, view_name: str, lookup: str = "slug", **kwargs):
        self.view_name = view_name
        self.lookup = lookup
        super().__init__(**kwargs)

    def to_representation(self, value):
        related = self.related(value)
        if related is None:
            return None
        return api_url(self.view_name, getattr(related, self.lookup), self.context)


def api_url(view_name: str, key, context, lookup: str = "") -> str:
    """What ``rest_framework.reverse.reverse`` gives (the address made absolute with the
    request), from ``detail_url`` and ``absolute_url``: a list of 50 records writes some
    500 addresses, and each ``reverse()`` plus ``build_absolute_uri()`` cost ~100 µs."""
    lookup = lookup or ("pk" if isinstance(key, int) else "slug")
    request = context.get("request")
    if getattr(request, "versioning_scheme", None) is not None or api_settings.URL_FORMAT_OVERRIDE:
        return reverse(view_name, kwargs={lookup: key}, request=request)
    path = detail_url(view_name, lookup, key)
    return absolute_url(request, path) if request else path


class ApiUrlField(serializers.HyperlinkedIdentityField):
    """The record's own API address, written with ``api_url``."""

    def get_url(self, obj, view_name, request, format):
        if format is not None or getattr(obj, "pk", None) in (None, ""):
            return super().get_url(obj, view_name, request, format)
        key = getattr(obj, self.lookup_field)
        return api_url(view_name, key, {"request": request}, lookup=self.lookup_url_kwarg)


def slug_list(source: str, help_text: str, through: str = "") -> serializers.ListField:
    """Slugs of related records; ``source`` is a list prefetched with only published ones."""
    return serializers.ListField(
        child=RelatedSlugField(through=through),
        source=source,
        read_only=True,
        help_text=f"{help_text} (slugs).",
    )


def url_list(
    view_name: str, source: str, help_text: str, lookup="slug", through: str = ""
) -> serializers.ListField:
    return serializers.ListField(
        child=RelatedUrlField(view_name, lookup=lookup, through=through),
        source=source,
        read_only=True,
        help_text=f"{help_text} (API URLs).",
    )


class SourceSerializer(FastRepresentation, serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["url", "title", "publisher", "published_on"]


def listed_sources() -> serializers.ListSerializer:
    """A record's sources, read from the list ``api.views.listed_sources`` prefetches."""
    return SourceSerializer(many=True, read_only=True, source=LISTED_SOURCES)


class PageUrlMixin(serializers.Serializer):
    page_url = serializers.SerializerMethodField(help_text="The record's page on the site.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, record) -> str:
        request = self.context.get("request")
        path = record.get_absolute_url()
        return absolute_url(request, path) if request else path


class CompanySerializer(PageUrlMixin, serializers.ModelSerializer):
    url = ApiUrlField(view_name="api:company-detail", lookup_field="slug")
    parent = RelatedSlugField(help_text="The parent company's slug; null for a top company.")
    parent_url = RelatedUrlField("api:company-detail", source="parent")
    aliases = serializers.SerializerMethodField(help_text="Other names the company goes by.")
    subsidiaries = slug_list("published_subsidiaries", "Companies directly owned by this one")
    lawsuit_count = serializers.IntegerField(
        read_only=True, help_text="Published lawsuits naming the company itself."
    )
    settlement_count = serializers.IntegerField(
        read_only=True, help_text="Published settlements of those lawsuits."
    )
    violation_count = serializers.IntegerField(
        read_only=True, help_text="Published penalties imposed on the company itself."
    )
    settlements_usd_approx = serializers.DecimalField(
        **AMOUNT, source="settlements_usd", help_text="Approximate USD of those settlements."
    )
    violations_usd_approx = serializers.DecimalField(
        **AMOUNT, source="violations_usd", help_text="Approximate USD of those penalties."
    )
    total_usd_approx = serializers.DecimalField(
        **AMOUNT,
        source="total_usd",
        help_text="Settlements and penalties together, approximate USD (subsidiaries excluded).",
    )

    class Meta:
        model = Company
        fields = [
            "slug",
            "url",
            "page_url",
            "name",
            "aliases",
            "parent",
            "parent_url",
            "subsidiaries",
            "country",
            "lawsuit_count",
            "settlement_count",
            "violation_count",
            "settlements_usd_approx",
            "violations_usd_approx",
            "total_usd_approx",
            "website",
            "description",
            "created_at",
            "updated_at",
        ]

    def get_aliases(self, company) -> list[str]:
        return [alias.name for alias in company.aliases.all()]


class AuthoritySerializer(PageUrlMixin, serializers.ModelSerializer):
    url = ApiUrlField(view_name="api:authority-detail", lookup_field="slug")

    class Meta:
        model = Authority
        fields = [
            "slug",
            "url",
            "page_url",
            "name",
            "abbreviation",
            "kind",
            "country",
            "region",
            "website",
            "description",
            "created_at",
            "updated_at",
        ]


class LawSerializer(PageUrlMixin, serializers.ModelSerializer):
    url = ApiUrlField(view_name="api:law-detail", lookup_field="slug")

    class Meta:
        model = Law
        fields = [
            "slug",
            "url",
            "page_url",
            "short_name",
            "full_name",
            "jurisdiction",
            "citation",
            "description",
            "created_at",
            "updated_at",
        ]


class MoneySerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        **AMOUNT, help_text="The amount in its own currency, as a decimal string."
    )
    currency = serializers.CharField(read_only=True, help_text="ISO 4217 code, e.g. USD, EUR.")
    amount_usd_approx = serializers.DecimalField(
        **AMOUNT,
        source="amount_usd",
        allow_null=True,
        help_text=(
            "Approximate US dollars at the yearly average rate of the record's year; null "
            "when no rate is known."
        ),
    )


class LawsuitSerializer(FastRepresentation, PageUrlMixin, serializers.ModelSerializer):
    url = ApiUrlField(view_name="api:lawsuit-detail", lookup_field="slug")
    defendants = slug_list("public_defendants", "The companies sued", through="company")
    defendant_urls = url_list(
        "api:company-detail", "public_defendants", "The companies sued", through="company"
    )
    authority = RelatedSlugField(help_text="The court or agency's slug.")
    authority_url = RelatedUrlField("api:authority-detail", source="authority")
    filed_on = PreciseDateField(help_text="When the action was filed, at its precision.")
    filed_on_precision = precision_field("filed_on")
    laws = slug_list("published_laws", "The laws the action invokes")
    law_urls = url_list("api:law-detail", "published_laws", "The laws the action invokes")
    settlements = url_list(
        "api:settlement-detail", "published_settlements", "Its settlements", lookup="pk"
    )
    settled_usd_approx = serializers.DecimalField(
        **AMOUNT,
        source="settled_usd",
        help_text="Approximate US dollars of all its published settlements together.",
    )
    sources = listed_sources()

    class Meta:
        model = Lawsuit
        fields = [
            "slug",
            "url",
            "page_url",
            "title",
            "kind",
            "status",
            "defendants",
            "defendant_urls",
            "plaintiffs",
            "authority",
            "authority_url",
            "docket_number",
            "filed_on",
            "filed_on_precision",
            "laws",
            "law_urls",
            "settlements",
            "settled_usd_approx",
            "summary",
            "sources",
            "created_at",
            "updated_at",
        ]


class SettlementSerializer(
    FastRepresentation, PageUrlMixin, MoneySerializer, serializers.ModelSerializer
):
    url = ApiUrlField(view_name="api:settlement-detail")
    lawsuit = RelatedSlugField(help_text="The lawsuit's slug.")
    lawsuit_url = RelatedUrlField("api:lawsuit-detail", source="lawsuit")
    lawsuit_title = serializers.CharField(source="lawsuit.title", read_only=True)
    defendants = slug_list(
        "lawsuit.public_defendants", "The companies sued in the lawsuit", through="company"
    )
    defendant_urls = url_list(
        "api:company-detail",
        "lawsuit.public_defendants",
        "The companies sued in the lawsuit",
        through="company",
    )
    announced_on = PreciseDateField(help_text="When it was announced, at its precision.")
    announced_on_precision = precision_field("announced_on")
    approved_on = PreciseDateField(help_text="When it was finally approved, at its precision.")
    approved_on_precision = precision_field("approved_on")
    sources = listed_sources()

    class Meta:
        model = Settlement
        fields = [
            "id",
            "url",
            "page_url",
            "lawsuit",
            "lawsuit_url",
            "lawsuit_title",
            "defendants",
            "defendant_urls",
            "status",
            "amount",
            "currency",
            "amount_usd_approx",
            "announced_on",
            "announced_on_precision",
            "approved_on",
            "approved_on_precision",
            "claim_deadline",
            "class_description",
            "summary",
            "sources",
            "created_at",
            "updated_at",
        ]


class ViolationSerializer(
    FastRepresentation, PageUrlMixin, MoneySerializer, serializers.ModelSerializer
):
    url = ApiUrlField(view_name="api:violation-detail")
    company = RelatedSlugField(help_text="The company penalised (slug).")
    company_url = RelatedUrlField("api:company-detail", source="company")
    company_name = serializers.CharField(source="company.name", read_only=True)
    parent_company = RelatedSlugField(
        source="company.parent", help_text="The penalised company's parent (slug)."
    )
    authority = RelatedSlugField(help_text="The regulator or court (slug).")
    authority_url = RelatedUrlField("api:authority-detail", source="authority")
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    lawsuit = RelatedSlugField(help_text="The proceeding it came from (slug), if any.")
    lawsuit_url = RelatedUrlField("api:lawsuit-detail", source="lawsuit")
    decided_on = PreciseDateField(help_text="When it was imposed, at its precision.")
    decided_on_precision = precision_field("decided_on")
    laws = slug_list("published_laws", "The laws it found broken")
    law_urls = url_list("api:law-detail", "published_laws", "The laws it found broken")
    sources = listed_sources()

    class Meta:
        model = Violation
        fields = [
            "id",
            "url",
            "page_url",
            "company",
            "company_url",
            "company_name",
            "parent_company",
            "authority",
            "authority_url",
            "authority_name",
            "lawsuit",
            "lawsuit_url",
            "kind",
            "status",
            "amount",
            "currency",
            "amount_usd_approx",
            "decided_on",
            "decided_on_precision",
            "laws",
            "law_urls",
            "description",
            "sources",
            "created_at",
            "updated_at",
        ]
