from django.contrib import admin
from django.db.models import Count

from companies.models import Company, CompanyAlias
from core.admin import RecordAdmin


class CompanyAliasInline(admin.TabularInline):
    model = CompanyAlias
    extra = 1
    fields = ["name"]


class SubsidiaryInline(admin.TabularInline):
    """Shown read-only: a subsidiary is moved by editing its own parent field."""

    model = Company
    fk_name = "parent"
    verbose_name = "subsidiary"
    verbose_name_plural = "subsidiaries (edit each subsidiary to change its parent)"
    fields = ["name", "country", "is_published"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class HasParentFilter(admin.SimpleListFilter):
    title = "place in family"
    parameter_name = "family"

    def lookups(self, request, model_admin):
        return [("top", "Top-level companies"), ("subsidiary", "Subsidiaries")]

    def queryset(self, request, queryset):
        if self.value() == "top":
            return queryset.filter(parent__isnull=True)
        if self.value() == "subsidiary":
            return queryset.filter(parent__isnull=False)
        return queryset


@admin.register(Company)
class CompanyAdmin(RecordAdmin):
    list_display = ["name", "parent", "country", "alias_count", "is_published", "updated_at"]
    list_filter = ["is_published", HasParentFilter, "country"]
    search_fields = ["name", "slug", "aliases__name"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "parent", "country", "website", "description"]}),
        ("Publication", {"fields": ["is_published", "created_at", "updated_at"]}),
    ]
    inlines = [CompanyAliasInline, SubsidiaryInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("parent")
            .annotate(alias_total=Count("aliases"))
        )

    @admin.display(description="Aliases", ordering="alias_total")
    def alias_count(self, obj):
        return obj.alias_total


@admin.register(CompanyAlias)
class CompanyAliasAdmin(RecordAdmin):
    actions = []
    list_display = ["name", "company"]
    search_fields = ["name", "company__name"]
    autocomplete_fields = ["company"]
    list_select_related = ["company"]
