from django.contrib import admin
from django.db.models import Count, Exists, OuterRef

from cases.admin_import import ImportRecordsMixin
from cases.models import (
    Authority,
    ExchangeRate,
    Law,
    Lawsuit,
    LawsuitDefendant,
    LawsuitRelation,
    Settlement,
    Source,
    Violation,
)
from cases.services import refresh_amounts_usd
from companies.models import Company
from core.admin import MoneyColumnsMixin, RecordAdmin, YearListFilter


class CompanyFamilyListFilter(admin.SimpleListFilter):
    """Filter by a parent company and everything below it (only parents are offered)."""

    title = "company family"
    parameter_name = "family"

    def lookups(self, request, model_admin):
        parents = Company.objects.filter(
            Exists(Company.objects.filter(parent=OuterRef("pk")))
        ).order_by("name")
        return [(company.slug, company.name) for company in parents]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        company = Company.objects.filter(slug=self.value()).first()
        if company is None:
            return queryset.none()
        return queryset.for_company(company, include_family=True)


@admin.register(Authority)
class AuthorityAdmin(RecordAdmin):
    list_display = ["name", "abbreviation", "kind", "country", "region", "is_published"]
    list_filter = ["is_published", "kind", "country"]
    search_fields = ["name", "abbreviation", "slug", "region"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Law)
class LawAdmin(RecordAdmin):
    list_display = ["short_name", "full_name", "jurisdiction", "citation", "is_published"]
    list_filter = ["is_published", "jurisdiction"]
    search_fields = ["short_name", "full_name", "citation", "slug"]
    prepopulated_fields = {"slug": ["short_name"]}


@admin.register(Source)
class SourceAdmin(RecordAdmin):
    actions = []
    list_display = ["title", "publisher", "published_on", "url"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "url"]
    date_hierarchy = "published_on"


class LawsuitDefendantInline(admin.TabularInline):
    model = LawsuitDefendant
    extra = 1
    autocomplete_fields = ["company"]
    verbose_name = "defendant"
    verbose_name_plural = "defendants"


class SettlementInline(admin.StackedInline):
    model = Settlement
    extra = 0
    show_change_link = True
    autocomplete_fields = ["sources"]
    fields = [
        ("amount", "currency", "amount_usd"),
        ("status", "is_published"),
        ("announced_on", "announced_on_precision"),
        ("approved_on", "approved_on_precision"),
        "claim_deadline",
        "class_description",
        "sources",
    ]
    readonly_fields = ["amount_usd"]


class LawsuitSourceInline(admin.TabularInline):
    model = Lawsuit.sources.through
    extra = 1
    autocomplete_fields = ["source"]
    verbose_name = "source"
    verbose_name_plural = "sources"


class LawsuitRelationInline(admin.TabularInline):
    model = LawsuitRelation
    fk_name = "from_lawsuit"
    extra = 0
    autocomplete_fields = ["to_lawsuit"]
    verbose_name = "related lawsuit"
    verbose_name_plural = "related lawsuits"


class LawsuitYearFilter(YearListFilter):
    title = "year filed"
    date_field = "filed_on"


@admin.register(Lawsuit)
class LawsuitAdmin(RecordAdmin):
    list_display = [
        "title",
        "kind",
        "status",
        "authority",
        "docket_number",
        "filed",
        "settlement_count",
        "is_published",
    ]
    list_filter = [
        "is_published",
        CompanyFamilyListFilter,
        ("defendants", admin.RelatedOnlyFieldListFilter),
        LawsuitYearFilter,
        "kind",
        "status",
        ("authority", admin.RelatedOnlyFieldListFilter),
        ("laws", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "slug", "docket_number", "defendants__name", "summary"]
    autocomplete_fields = ["authority", "laws"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "filed_on"
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "plaintiffs"]}),
        ("Court", {"fields": ["authority", "docket_number", ("filed_on", "filed_on_precision")]}),
        ("Substance", {"fields": ["laws", "summary"]}),
        ("Publication", {"fields": ["is_published", "created_at", "updated_at"]}),
    ]
    inlines = [LawsuitDefendantInline, SettlementInline, LawsuitSourceInline, LawsuitRelationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("authority")
            .annotate(settlement_total=Count("settlements", distinct=True))
        )

    @admin.display(description="Filed", ordering="filed_on")
    def filed(self, obj):
        return obj.filed_on_display or "—"

    @admin.display(description="Settlements", ordering="settlement_total")
    def settlement_count(self, obj):
        return obj.settlement_total


class SettlementYearFilter(YearListFilter):
    title = "year announced"
    date_field = "announced_on"


class SettlementCompanyFilter(admin.SimpleListFilter):
    """Defendant companies of the settlement's lawsuit that actually have settlements."""

    title = "company"
    parameter_name = "company"

    def lookups(self, request, model_admin):
        companies = Company.objects.filter(
            Exists(
                LawsuitDefendant.objects.filter(
                    company=OuterRef("pk"), lawsuit__settlements__isnull=False
                )
            )
        ).order_by("name")
        return [(company.slug, company.name) for company in companies]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        company = Company.objects.filter(slug=self.value()).first()
        if company is None:
            return queryset.none()
        return queryset.for_company(company, include_family=False)


@admin.register(Settlement)
class SettlementAdmin(ImportRecordsMixin, MoneyColumnsMixin, RecordAdmin):
    list_display = [
        "lawsuit",
        "amount_formatted",
        "amount_usd_formatted",
        "status",
        "announced",
        "is_published",
    ]
    list_filter = [
        "is_published",
        CompanyFamilyListFilter,
        SettlementCompanyFilter,
        SettlementYearFilter,
        "status",
        "currency",
        ("lawsuit__authority", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["lawsuit__title", "lawsuit__docket_number", "lawsuit__defendants__name"]
    autocomplete_fields = ["lawsuit", "sources"]
    date_hierarchy = "announced_on"
    list_select_related = ["lawsuit"]
    readonly_fields = ["amount_usd", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["lawsuit", "status"]}),
        ("Amount", {"fields": [("amount", "currency"), "amount_usd"]}),
        (
            "Dates",
            {
                "fields": [
                    ("announced_on", "announced_on_precision"),
                    ("approved_on", "approved_on_precision"),
                    "claim_deadline",
                ]
            },
        ),
        ("Substance", {"fields": ["class_description", "summary", "sources"]}),
        ("Publication", {"fields": ["is_published", "created_at", "updated_at"]}),
    ]

    @admin.display(description="Announced", ordering="announced_on")
    def announced(self, obj):
        return obj.announced_on_display or "—"


class ViolationYearFilter(YearListFilter):
    title = "year decided"
    date_field = "decided_on"


@admin.register(Violation)
class ViolationAdmin(ImportRecordsMixin, MoneyColumnsMixin, RecordAdmin):
    list_display = [
        "company",
        "authority",
        "kind",
        "amount_formatted",
        "amount_usd_formatted",
        "decided",
        "status",
        "is_published",
    ]
    list_filter = [
        "is_published",
        CompanyFamilyListFilter,
        ("company", admin.RelatedOnlyFieldListFilter),
        ViolationYearFilter,
        "kind",
        "status",
        "currency",
        ("authority", admin.RelatedOnlyFieldListFilter),
        ("laws", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["company__name", "authority__name", "authority__abbreviation", "description"]
    autocomplete_fields = ["company", "authority", "lawsuit", "laws", "sources"]
    date_hierarchy = "decided_on"
    list_select_related = ["company", "authority"]
    readonly_fields = ["amount_usd", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["company", "authority", "lawsuit", "kind", "status"]}),
        ("Amount", {"fields": [("amount", "currency"), "amount_usd"]}),
        ("Date", {"fields": [("decided_on", "decided_on_precision")]}),
        ("Substance", {"fields": ["laws", "description", "sources"]}),
        ("Publication", {"fields": ["is_published", "created_at", "updated_at"]}),
    ]

    @admin.display(description="Decided", ordering="decided_on")
    def decided(self, obj):
        return obj.decided_on_display


@admin.register(ExchangeRate)
class ExchangeRateAdmin(RecordAdmin):
    actions = []
    list_display = ["currency", "year", "usd_per_unit", "source"]
    list_filter = ["currency", "year"]
    search_fields = ["currency"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Every amount in the affected currencies is re-derived from the new rate.
        for currency in {obj.currency, form.initial.get("currency")} - {None}:
            refresh_amounts_usd(currency)
