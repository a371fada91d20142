"""Read-only endpoints over the published records.

Each list starts from the queryset its page starts from (``cases.public_selectors``) and
filters through the very FilterSet its page uses (``cases.filters``), so
``/api/settlements/?company=tiktok&year=2021`` returns the rows
``/settlements/?company=tiktok&year=2021`` shows. Unknown or invalid parameters are a 400
naming each parameter and the reason.
"""

from django.db.models import Prefetch
from django.http import JsonResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from api import listing
from api import serializers as api_serializers
from api.errors import InvalidParameters
from api.listing import attach_defendants, attach_laws, attach_settlements, attach_sources
from api.pagination import ApiPagination
from cases.filters import (
    AuthorityFilterSet,
    CompanyRecordFilterSet,
    LawFilterSet,
    LawsuitFilterSet,
    SettlementFilterSet,
    ViolationFilterSet,
)
from cases.models import SEARCH_DOCUMENTS, Authority, Law, Lawsuit, Source
from cases.public_selectors import (
    companies_with_totals,
    list_count,
    public_lawsuits,
    public_settlements,
    public_violations,
    published_defendants,
)
from companies.models import Company
from core import parallel

# Longest id a bigint holds comfortably; longer ones are refused by the URL, not the database.
ID_PATTERN = "[0-9]{1,18}"
SLUG_PATTERN = "[-a-zA-Z0-9_]+"


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, but refusing unknown, repeated and invalid parameters with a 400."""

    def filter_queryset(self, request, queryset, view):
        params = request.query_params
        if getattr(view, "action", None) != "list":
            if params:
                reason = "A single record's address takes no query parameters."
                raise InvalidParameters(dict.fromkeys(params, reason))
            return queryset
        filterset_class = self.get_filterset_class(view, queryset)
        allowed = getattr(view.paginator, "query_parameters", ())
        known = sorted({*filterset_class.parameter_names(), *allowed})
        reasons = {
            name: f"Unknown parameter. This list accepts: {', '.join(known)}."
            for name in filterset_class.unknown_parameters(params, allowed)
        }
        reasons |= {
            name: "Given more than once; give it once."
            for name in params
            if len(params.getlist(name)) > 1 and name not in reasons
        }
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            reasons |= {name: list(messages) for name, messages in filterset.errors.items()}
        if reasons:
            raise InvalidParameters(reasons)
        record_type = getattr(view, "summary_record_type", "")
        if record_type:
            # The page's own count, read from the summaries when they cover the filters.
            view.known_count = list_count(record_type, filterset.form.cleaned_data)
        return filterset.qs


class ParameterErrorSerializer(serializers.Serializer):
    class ParameterReason(serializers.Serializer):
        parameter = serializers.CharField(allow_null=True, help_text="The query parameter.")
        reason = serializers.CharField(help_text="What is wrong with it.")

    detail = serializers.CharField()
    errors = ParameterReason(many=True)


class DetailErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


BAD_PARAMETERS = OpenApiResponse(
    ParameterErrorSerializer, description="An unknown or invalid query parameter."
)
THROTTLED = OpenApiResponse(DetailErrorSerializer, description="Too many requests; retry later.")
NOT_FOUND = OpenApiResponse(DetailErrorSerializer, description="No published record there.")


def documented(serializer, noun: str):
    return extend_schema_view(
        list=extend_schema(
            summary=f"List published {noun}",
            responses={200: serializer(many=True), 400: BAD_PARAMETERS, 429: THROTTLED},
        ),
        retrieve=extend_schema(
            summary=f"One published record from {noun}",
            responses={200: serializer, 400: BAD_PARAMETERS, 404: NOT_FOUND, 429: THROTTLED},
        ),
    )


class PublishedViewSet(viewsets.ReadOnlyModelViewSet):
    filter_backends = [StrictFilterBackend]
    pagination_class = ApiPagination
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN

    def lists(self) -> bool:
        """A list page: its defendants, laws, settlements and sources are read by
        ``attach_related`` rather than prefetched (``api.listing``); a single record keeps
        the prefetch."""
        return self.action == "list"

    def attach_related(self, page: list) -> None:
        """Give a list page's records what ``get_queryset`` leaves out when ``lists()``."""

    def related(self, defendants: str | None, laws=False, settlements=False) -> list[Prefetch]:
        """The prefetches of a single record's defendants (at that lookup), laws,
        settlements and sources; none for a list page, which ``attach_related`` gives them."""
        if self.lists():
            return []
        prefetches = [written_defendants(defendants)] if defendants else []
        if laws:
            prefetches.append(published_laws())
        if settlements:
            written = listing.published_settlements().only("lawsuit_id", "is_published")
            prefetches.append(Prefetch("settlements", written, to_attr="published_settlements"))
        return [*prefetches, listed_sources()]

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page and self.lists():
            self.attach_related(page)
        return page


@documented(api_serializers.CompanySerializer, "companies")
class CompanyViewSet(PublishedViewSet):
    """Companies, each with its aliases, parent, subsidiaries and record totals."""

    serializer_class = api_serializers.CompanySerializer
    filterset_class = CompanyRecordFilterSet

    def get_queryset(self):
        return (
            companies_with_totals()
            .prefetch_related(
                "aliases",
                Prefetch(
                    "subsidiaries",
                    Company.objects.published().order_by("name"),
                    to_attr="published_subsidiaries",
                ),
            )
            .order_by("name", "pk")
        )


@documented(api_serializers.AuthoritySerializer, "courts and authorities")
class AuthorityViewSet(PublishedViewSet):
    """Courts, regulators, attorneys general and other authorities."""

    serializer_class = api_serializers.AuthoritySerializer
    filterset_class = AuthorityFilterSet

    def get_queryset(self):
        return Authority.objects.published().order_by("name", "pk")


@documented(api_serializers.LawSerializer, "laws")
class LawViewSet(PublishedViewSet):
    serializer_class = api_serializers.LawSerializer
    filterset_class = LawFilterSet

    def get_queryset(self):
        return Law.objects.published().order_by("short_name", "pk")


def unread(path: str, model, *written: str) -> list[str]:
    """The columns of a joined record that no serializer field reads (all but its id,
    ``is_published`` and the ``written`` ones): not fetched for a list of 50 rows."""
    keep = {"id", "is_published", *written}
    return [
        f"{path}__{field.attname}"
        for field in model._meta.concrete_fields
        if field.name not in keep and not field.is_relation
    ]


def listed_sources() -> Prefetch:
    """A record's sources as a list: prefetched into the ``sources`` manager they cost a
    manager, a queryset and its query per record, twice (here and when written)."""
    sources = Source.objects.defer("created_at", "updated_at")
    return Prefetch("sources", sources, to_attr=api_serializers.LISTED_SOURCES)


def published_laws(path: str = "laws") -> Prefetch:
    laws = listing.published_laws().only("slug", "is_published")
    return Prefetch(path, laws, to_attr="published_laws")


def written_defendants(lookup: str) -> Prefetch:
    """``published_defendants`` with only the columns written (the companies' slugs): some
    80 links and companies per list of 50."""
    defendants = published_defendants(lookup)
    columns = defendants.queryset.only("lawsuit", "company__slug", "company__is_published")
    return Prefetch(lookup, columns, to_attr=defendants.to_attr)


@documented(api_serializers.LawsuitSerializer, "lawsuits")
class LawsuitViewSet(PublishedViewSet):
    """Lawsuits with their defendants, laws, settlements and settled total."""

    serializer_class = api_serializers.LawsuitSerializer
    filterset_class = LawsuitFilterSet

    def get_queryset(self):
        return (
            public_lawsuits()
            .defer(*SEARCH_DOCUMENTS, *unread("authority", Authority, "slug"))
            .prefetch_related(None)  # the selector's defendants, replaced by the written ones
            .prefetch_related(*self.related("defendant_links", laws=True, settlements=True))
            .order_by("-filed_on", "pk")
        )

    def attach_related(self, page):
        parallel.side_by_side(
            lambda: (attach_sources(page, "lawsuits"), attach_settlements(page)),
            lambda: (attach_defendants(page), attach_laws(page, "lawsuits")),
        )


@documented(api_serializers.SettlementSerializer, "settlements")
class SettlementViewSet(PublishedViewSet):
    """Settlements, amounts in their currency and approximately in US dollars."""

    serializer_class = api_serializers.SettlementSerializer
    filterset_class = SettlementFilterSet
    summary_record_type = "settlement"
    lookup_field = "pk"
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        # The lawsuit's court is not written: no join for it (the page's rows have it).
        return (
            public_settlements()
            .select_related(None)
            .select_related("lawsuit")
            .defer(*SEARCH_DOCUMENTS, *unread("lawsuit", Lawsuit, "slug", "title"))
            .prefetch_related(None)  # the selector's defendants, replaced by the written ones
            .prefetch_related(*self.related("lawsuit__defendant_links"))
            .order_by("-announced_on", "-pk")
        )

    def attach_related(self, page):
        parallel.side_by_side(
            lambda: attach_sources(page, "settlements"),
            lambda: attach_defendants([settlement.lawsuit for settlement in page]),
        )


@documented(api_serializers.ViolationSerializer, "violations")
class ViolationViewSet(PublishedViewSet):
    """Fines, civil penalties and consent orders, with the company and authority."""

    serializer_class = api_serializers.ViolationSerializer
    filterset_class = ViolationFilterSet
    summary_record_type = "violation"
    lookup_field = "pk"
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return (
            public_violations()
            .select_related("company__parent", "lawsuit")
            .defer(
                *SEARCH_DOCUMENTS,
                *unread("company", Company, "slug", "name"),
                *unread("company__parent", Company, "slug"),
                *unread("authority", Authority, "slug", "name"),
                *unread("lawsuit", Lawsuit, "slug"),
            )
            .prefetch_related(*self.related(None, laws=True))
            .order_by("-decided_on", "-pk")
        )

    def attach_related(self, page):
        parallel.side_by_side(
            lambda: attach_sources(page, "violations"), lambda: attach_laws(page, "violations")
        )


def not_found(request, *args, **kwargs):
    return JsonResponse({"detail": "Not found."}, status=404)
