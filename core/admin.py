"""Admin building blocks shared by every app: publish actions and formatted amounts."""

import logging

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models.functions import ExtractYear
from simple_history.admin import SimpleHistoryAdmin

from core.services import records_set_published

logger = logging.getLogger(__name__)


class AtomicSaveMixin:
    """A save the database refuses half-way is shown again with its reason, not a 500.

    The admin saves a record and its inlines in one transaction, so a constraint that only
    the database can check (two new inline rows that clash with each other, or with a row
    another editor saved meanwhile) rolls everything back. The form is then rendered again
    with what the editor typed and the refused constraint's message, ready to correct.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as error:
            logger.warning("Admin save of %s refused by the database: %s", self.model, error)
            request.refused_save_reason = (
                f"Nothing was saved: {self._refusal_reason(request, error)} "
                "Correct it and save again."
            )
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        reason = getattr(request, "refused_save_reason", None)
        if reason is None:
            return form

        class RefusedSaveForm(form):
            def clean(self):
                super().clean()
                raise ValidationError(reason)

        return RefusedSaveForm

    def _refusal_reason(self, request, error: IntegrityError) -> str:
        """The refused constraint's own message, when the error names one of ours."""
        models = [self.model, *(inline.model for inline in self.get_inline_instances(request))]
        for model in models:
            for constraint in model._meta.constraints:
                if constraint.name in str(error):
                    return constraint.get_violation_error_message()
        return "the database refused a value that conflicts with a record already stored."


class RecordAdmin(AtomicSaveMixin, SimpleHistoryAdmin):
    """Edit history, revert, and publish/unpublish actions for a publishable record."""

    actions = ["publish", "unpublish"]
    save_on_top = True
    list_per_page = 50

    @admin.action(description="Publish selected records", permissions=["change"])
    def publish(self, request, queryset):
        count = records_set_published(queryset, True)
        self.message_user(request, f"Published {count} record(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected records", permissions=["change"])
    def unpublish(self, request, queryset):
        count = records_set_published(queryset, False)
        self.message_user(request, f"Unpublished {count} record(s).", messages.SUCCESS)


class YearListFilter(admin.SimpleListFilter):
    """Filter by the year of a record's leading date; subclasses name the date field."""

    title = "year"
    parameter_name = "year"
    date_field: str

    def lookups(self, request, model_admin):
        years = (
            model_admin.get_queryset(request)
            .exclude(**{f"{self.date_field}__isnull": True})
            .annotate(y=ExtractYear(self.date_field))
            .order_by("-y")
            .values_list("y", flat=True)
            .distinct()
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{f"{self.date_field}__year": int(value)})
        return queryset


class MoneyColumnsMixin:
    """Amounts written with their currency ("$92,000,000") and the approximate USD value."""

    @admin.display(description="Amount", ordering="amount")
    def amount_formatted(self, obj) -> str:
        return obj.amount_display

    @admin.display(description="≈ USD", ordering="amount_usd")
    def amount_usd_formatted(self, obj) -> str:
        return obj.amount_usd_display or "—"
