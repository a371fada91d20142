"""OpenAPI details drf-spectacular cannot infer from the shared FilterSets."""

from django_filters import ModelChoiceFilter
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.drainage import has_override, set_override

SLUG_SCHEMA = {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$", "example": "tiktok"}


class SlugFilterExtension(DjangoFilterExtension):
    """Filters that take a record's slug (``company=tiktok``, ``law=gdpr``) are strings.

    Their values are read by a filter method, so drf-spectacular finds no model field to
    describe them and warns; the warning would fail ``check --deploy``.
    """

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        if (
            isinstance(filter_field, ModelChoiceFilter)
            and filter_field.extra.get("to_field_name") == "slug"
            and not has_override(filter_field, "field")
        ):
            set_override(filter_field, "field", SLUG_SCHEMA)
        return super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
