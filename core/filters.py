"""Building blocks for the public FilterSets: strict validation, shared by pages, CSV and API.

A FilterSet here never ignores input it cannot use. A value that does not validate becomes an
error on its field (``filterset.errors``) and the result is empty rather than silently
unfiltered, so a page, a CSV export and an API response built from the same FilterSet agree.
"""

import copy
import datetime
from collections.abc import Iterable, Mapping

import django_filters
from django import forms
from django.db.models import F, QuerySet
from django.http import QueryDict
from django.utils.choices import BaseChoiceIterator

from core.widgets import use_fast_selects

MIN_YEAR = 1900
MAX_YEAR = 2100


class FilterForm(forms.Form):
    """Cross-field checks that every list shares (ranges that run backwards)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        use_fast_selects(self)

    def clean(self):
        cleaned = super().clean()
        year_from, year_to = cleaned.get("year_from"), cleaned.get("year_to")
        if year_from is not None and year_to is not None and year_from > year_to:
            self.add_error("year_to", f"“To year” ({year_to}) is before “from year” ({year_from}).")
        amount_min, amount_max = cleaned.get("amount_min"), cleaned.get("amount_max")
        if amount_min is not None and amount_max is not None and amount_min > amount_max:
            self.add_error("amount_max", "The maximum amount is smaller than the minimum amount.")
        return cleaned


class FrozenChoices(BaseChoiceIterator):
    """A fixed list of (value, label) choices that is its own copy.

    Every request deep-copies its FilterSet's filters and then its form's fields; with the
    country and currency lists (about 450 pairs) that was some 3,000 ``deepcopy`` calls per
    list page, and django-filter re-normalised each list whenever it was iterated.
    """

    def __init__(self, choices):
        self.choices = tuple((value, label) for value, label in choices)

    def __iter__(self):
        return iter(self.choices)

    def __len__(self):
        return len(self.choices)

    def __deepcopy__(self, memo):
        return self


def _filter_for_instance(declared: django_filters.Filter) -> django_filters.Filter:
    """What ``copy.deepcopy`` of a declared filter gave each FilterSet, without copying its
    querysets and sort expressions through and through (their whole query trees: some 900
    ``deepcopy`` calls, ~2 ms, per list request).

    A FilterSet sets ``model`` and ``parent`` on its filters and builds each one's form field
    (``_field``) lazily; django-filter writes the queryset into ``extra``. So each copy gets
    its own ``extra`` and ``queryset`` (querysets cloned), no form field yet, and its
    ``method`` bound to itself; the rest (labels, choices, orders, widgets the form field
    copies) is only read.
    """
    clone = copy.copy(declared)
    clone.__dict__.pop("_field", None)
    clone.extra = {
        key: value.all() if isinstance(value, QuerySet) else value
        for key, value in declared.extra.items()
    }
    if isinstance(getattr(declared, "queryset", None), QuerySet):  # ModelChoiceFilter's
        clone.queryset = declared.queryset.all()
    if declared.method is not None:
        clone.method = declared.method  # rebinds the FilterMethod to the copy
    return clone


class PublicFilterSet(django_filters.FilterSet):
    """A FilterSet whose invalid input gives field errors and an empty result, never a guess."""

    class Meta:
        form = FilterForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        """``BaseFilterSet.__init__``, with the filters copied by ``_filter_for_instance``."""
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        model = queryset.model
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {
            name: _filter_for_instance(declared) for name, declared in self.base_filters.items()
        }
        for filter_ in self.filters.values():
            filter_.model = model
            filter_.parent = self

    @classmethod
    def get_filters(cls):
        """The declared filters, with fixed choice lists frozen (``FrozenChoices``)."""
        filters = super().get_filters()
        for filter_ in filters.values():
            choices = filter_.extra.get("choices")
            if isinstance(choices, (list, tuple)) and not any(
                isinstance(label, (list, tuple)) for _, label in choices
            ):
                filter_.extra["choices"] = FrozenChoices(choices)
        return filters

    @classmethod
    def parameter_names(cls) -> list[str]:
        """The query parameters this FilterSet accepts, in form order."""
        return list(cls.base_filters)

    @classmethod
    def unknown_parameters(cls, data: Mapping, allowed: Iterable[str] = ()) -> list[str]:
        """Parameters in data that neither this FilterSet nor the caller (page, format) knows."""
        known = {*cls.base_filters, *allowed}
        return sorted(name for name in data if name not in known)

    @property
    def is_filtered(self) -> bool:
        """Whether any parameter narrows the result (sorting and display switches do not)."""
        if not self.is_bound:
            return False
        ignored = {"sort", "include_subsidiaries"}
        names = [name for name in self.base_filters if name not in ignored]
        return any(self.data.get(name) not in (None, "") for name in names)

    @property
    def qs(self) -> QuerySet:
        if not hasattr(self, "_qs"):
            if self.is_bound and not self.is_valid():
                # Nothing is shown for input we could not read: partial results would look
                # like the answer to the question the visitor asked, and they are not.
                self._qs = self.queryset.none()
            else:
                self._qs = self.apply_default_order(super().qs)
        return self._qs

    def apply_default_order(self, queryset: QuerySet) -> QuerySet:
        """Hook for an order used when no ``sort`` was given."""
        return queryset

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """For parameters that change how another filter works rather than filtering."""
        return queryset

    @property
    def include_subsidiaries(self) -> bool:
        """The family rollup is on unless ``include_subsidiaries=0`` was given."""
        data = self.form.cleaned_data if hasattr(self.form, "cleaned_data") else {}
        return data.get("include_subsidiaries") != "0"


class YearFilter(django_filters.NumberFilter):
    """A four-digit year, applied as a date range on ``field_name`` so indexes can serve it."""

    field_class = forms.IntegerField

    def __init__(self, *args, bound: str = "exact", **kwargs):
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": "Enter a year as four digits, e.g. 2021.",
                "min_value": f"Enter a year from {MIN_YEAR} to {MAX_YEAR}.",
                "max_value": f"Enter a year from {MIN_YEAR} to {MAX_YEAR}.",
            },
        )
        # A text box (not type=number) so that a bad value stays visible beside its message.
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "e.g. 2021"})
        )
        self.bound = bound
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        start, end = datetime.date(value, 1, 1), datetime.date(value + 1, 1, 1)
        lookups = {
            "exact": {f"{self.field_name}__gte": start, f"{self.field_name}__lt": end},
            "from": {f"{self.field_name}__gte": start},
            "to": {f"{self.field_name}__lt": end},
        }[self.bound]
        return qs.filter(**lookups)


class AmountFilter(django_filters.NumberFilter):
    """An amount in US dollars (compared with the approximate USD value), never negative."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": "Enter an amount in US dollars as a number, e.g. 1000000.",
                "min_value": "Enter an amount of 0 or more (amounts are never negative).",
                "max_digits": "That amount is too large.",
                "max_whole_digits": "That amount is too large.",
                "max_decimal_places": "Use at most 2 decimal places.",
            },
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(*args, **kwargs)


class SortFilter(django_filters.ChoiceFilter):
    """``sort`` chooses one of a fixed set of orders; each maps to order_by expressions.

    ``orders`` maps a choice (e.g. "-amount") to a label and the expressions to order by.
    """

    def __init__(self, *args, orders: dict[str, tuple[str, list]], **kwargs):
        self.orders = orders
        choices = [(key, label) for key, (label, _) in orders.items()]
        kwargs.setdefault("label", "Sort by")
        kwargs.setdefault("empty_label", None)
        readable = ", ".join(f"{key} ({label.lower()})" for key, (label, _) in orders.items())
        kwargs.setdefault("error_messages", {"invalid_choice": f"Sort by one of: {readable}."})
        super().__init__(*args, choices=choices, **kwargs)

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        return qs.order_by(*self.orders[value][1])


def descending(field: str):
    return F(field).desc(nulls_last=True)


def ascending(field: str):
    return F(field).asc(nulls_last=True)


def choice_filter(label: str, choices, empty_label: str, **kwargs) -> django_filters.ChoiceFilter:
    """A ChoiceFilter whose error lists the accepted values (``choices`` is a TextChoices)."""
    return django_filters.ChoiceFilter(
        label=label,
        choices=choices.choices,
        empty_label=empty_label,
        error_messages={"invalid_choice": "Use one of: " + ", ".join(choices.values) + "."},
        **kwargs,
    )


def include_subsidiaries_filter() -> django_filters.ChoiceFilter:
    """The switch that turns the company family rollup off (``include_subsidiaries=0``)."""
    return django_filters.ChoiceFilter(
        label="Subsidiaries",
        choices=[("1", "Include subsidiaries"), ("0", "This company only")],
        empty_label=None,
        method="filter_nothing",
        error_messages={"invalid_choice": "Use 1 to include subsidiaries or 0 to leave them out."},
    )
