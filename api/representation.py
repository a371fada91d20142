"""DRF's ``Serializer.to_representation``, with each declared field's work planned once.

A list of 50 settlements is some 1,100 field values. DRF finds each one through the field's
generic ``get_attribute`` (source walking, callable checks, exception handling) and
``to_representation``, after deep-copying the serializer's ~25 fields for the request; each
address is reversed, each date-time's time zone looked up again. ``FastRepresentation``
reads a serializer class's fields once, picks for each field a direct way to the value DRF
would give (by the field's exact class and options), and runs those per record, with what
is the same for the whole request (the address templates and origin, the time zone) worked
out once per request. The serializers stay the declaration of the API (drf-spectacular
reads them as before); the bytes stay the same.

Anything the plan does not know — another field class, a callable source, a missing or
non-existent related object, a value of another type, a ``.json`` suffix in the address —
goes through the field's own DRF code, bound to the request's serializer, as DRF runs it.
"""

import datetime
import decimal
import functools
import types

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.manager import BaseManager
from django.utils import timezone
from rest_framework import serializers
from rest_framework.fields import ISO_8601, SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from core.urls import absolute_detail_parts, value_kind

_CALLABLES = (
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    types.BuiltinMethodType,
    functools.partial,
)
_TEXT_FIELDS = (
    serializers.CharField,
    serializers.SlugField,
    serializers.URLField,
    serializers.EmailField,
)
_STATE = "_fast_representation"  # the request's _State, kept in the serializer context


class _Fallback(Exception):
    """This value is not one the plan can write: let the field's DRF code write it."""


class _State:
    """What every record of one request shares: its addresses' templates, its time zone."""

    def __init__(self, context: dict):
        self.context = context
        self.request = context.get("request")
        self.zone = None
        self.zone_known = False
        self.templates: dict[tuple, tuple[str, str] | None] = {}

    @classmethod
    def of(cls, context: dict) -> "_State":
        state = context.get(_STATE)
        if state is None or state.request is not context.get("request"):
            state = cls(context)
            context[_STATE] = state
        return state

    def time_zone(self):
        """``DateTimeField.default_timezone()``, looked up once per request."""
        if not self.zone_known:
            self.zone = timezone.get_current_timezone() if settings.USE_TZ else None
            self.zone_known = True
        return self.zone

    def api_url(self, view_name: str, key, lookup: str = "") -> str:
        """``api.serializers.api_url(view_name, key, context, lookup)``."""
        from api.serializers import api_url

        lookup = lookup or ("pk" if isinstance(key, int) else "slug")
        kind = value_kind(key)
        if kind is None:
            return api_url(view_name, key, self.context, lookup)
        template_key = (view_name, lookup, kind)
        try:
            parts = self.templates[template_key]
        except KeyError:
            parts = self.templates[template_key] = self._parts(view_name, lookup, kind)
        if parts is None:
            return api_url(view_name, key, self.context, lookup)
        return f"{parts[0]}{key}{parts[1]}"

    def _parts(self, view_name: str, lookup: str, kind: str) -> tuple[str, str] | None:
        request = self.request
        if getattr(request, "versioning_scheme", None) is not None:
            return None
        if api_settings.URL_FORMAT_OVERRIDE:
            return None
        return absolute_detail_parts(request, view_name, lookup, kind)


def _walk(instance, attrs):
    """``Field.get_attribute`` for plain attributes; anything unusual is a ``_Fallback``."""
    for attr in attrs:
        try:
            instance = getattr(instance, attr)
        except (AttributeError, ObjectDoesNotExist) as error:
            raise _Fallback from error
        if isinstance(instance, _CALLABLES):
            raise _Fallback
    return instance


# Writers: (field) -> write(value, state) for a value that is not None, or None when the
# field's options are ones the writer does not reproduce.


def _text(field):
    return lambda value, state: str(value)


def _integer(field):
    return lambda value, state: int(value)


def _big_integer(field):
    if getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING):
        return None
    return lambda value, state: int(value)


def _choice(field):
    strings = field.choice_strings_to_values

    def write(value, state):
        if value == "":
            return value
        return strings.get(str(value), value)

    return write


def _decimal(field):
    """A value already at the field's places and within its digits: quantize keeps it."""
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if not coerce or field.localize or field.normalize_output:
        return None
    if field.decimal_places is None or field.max_digits is None:
        return None
    places, digits = -field.decimal_places, field.max_digits

    def write(value, state):
        if type(value) is decimal.Decimal:
            _sign, numbers, exponent = value.as_tuple()
            if exponent == places and len(numbers) <= digits:
                return f"{value:f}"
        return field.to_representation(value)

    return write


def _datetime(field):
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601:
        return None
    if hasattr(field, "timezone"):
        return None

    def write(value, state):
        zone = state.time_zone()
        if type(value) is not datetime.datetime or zone is None or value.utcoffset() is None:
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


def _date(field):
    if getattr(field, "format", api_settings.DATE_FORMAT) != ISO_8601:
        return None

    def write(value, state):
        if type(value) is not datetime.date:
            return field.to_representation(value)
        return value.isoformat()

    return write


_WRITERS = {
    **dict.fromkeys(_TEXT_FIELDS, _text),
    serializers.IntegerField: _integer,
    serializers.BigIntegerField: _big_integer,
    serializers.ChoiceField: _choice,
    serializers.DecimalField: _decimal,
    serializers.DateTimeField: _datetime,
    serializers.DateField: _date,
}


# Steps: (field) -> step(instance, state) giving the field's value, or None when the plan
# does not know the field.


def _value_step(field):
    """A field read by walking its source, the value written as the field's class does."""
    if field.source == "*":
        return None
    maker = _WRITERS.get(type(field))
    write = maker(field) if maker else None
    if write is None:
        return None
    return _walking_step(field.source_attrs, write)


def _walking_step(attrs, write):
    """A step that walks ``attrs`` from the record and writes the value found (None stays None)."""

    def step(instance, state):
        value = _walk(instance, attrs)
        return None if value is None else write(value, state)

    return step


def _record_step(field):
    """A field reading the whole record and no context (``reads_no_context``, such as
    ``PreciseDateField``): its own code, on the field read once per class."""
    if field.source != "*" or not getattr(field, "reads_no_context", False):
        return None
    return lambda instance, state: field.to_representation(instance)


def _related_writer(field):
    """``RelatedSlugField`` and ``RelatedUrlField`` (api.serializers), for one related value."""
    from api.serializers import RelatedSlugField, RelatedUrlField

    if type(field) not in (RelatedSlugField, RelatedUrlField) or field.source == "*":
        return None
    through = field.through
    if type(field) is RelatedSlugField:

        def write(value, state):
            if through:
                value = getattr(value, through)
            return value.slug if value is not None and value.is_published else None

        return write
    view_name, lookup = field.view_name, field.lookup

    def write_url(value, state):
        if through:
            value = getattr(value, through)
        if value is None or not value.is_published:
            return None
        return state.api_url(view_name, getattr(value, lookup))

    return write_url


def _related_step(field):
    write = _related_writer(field)
    if write is None:
        return None
    return _walking_step(field.source_attrs, write)


def _list_step(field):
    """A ``ListField`` of related slugs or addresses, from a prefetched list."""
    if type(field) is not serializers.ListField or field.source == "*":
        return None
    write = _related_writer(field.child)
    if write is None:
        return None
    attrs = field.source_attrs

    def step(instance, state):
        values = _walk(instance, attrs)
        if values is None:
            return None
        if isinstance(values, BaseManager):
            raise _Fallback  # not prefetched to a list: DRF's ListField reads it
        return [None if value is None else write(value, state) for value in values]

    return step


def _nested_step(field):
    """A nested ``many=True`` serializer whose own plan has only steps."""
    if type(field) is not serializers.ListSerializer or field.source == "*":
        return None
    child = field.child
    if not isinstance(child, FastRepresentation):
        return None
    plan = type(child)._plan()
    if any(kind != "step" for _, kind, _ in plan):
        return None  # methods and fallbacks need the nested serializer itself
    attrs = field.source_attrs

    def step(instance, state):
        values = _walk(instance, attrs)
        if values is None:
            return None
        if isinstance(values, BaseManager):
            values = values.all()
        return [_run(plan, value, None, state) for value in values]

    return step


def _identity_url_step(field):
    """``ApiUrlField``: the record's own address, as ``ApiUrlField.get_url`` writes it."""
    from api.serializers import ApiUrlField

    if type(field) is not ApiUrlField:
        return None
    view_name, lookup_field, lookup = field.view_name, field.lookup_field, field.lookup_url_kwarg

    def step(instance, state):
        if state.request is None or state.context.get("format") is not None:
            raise _Fallback
        if getattr(instance, "pk", None) in (None, ""):
            raise _Fallback
        return state.api_url(view_name, getattr(instance, lookup_field), lookup)

    return step


_STEP_MAKERS = (
    _record_step,
    _identity_url_step,
    _related_step,
    _list_step,
    _nested_step,
    _value_step,
)


def _plan_field(name, field):
    if isinstance(field, serializers.SerializerMethodField):
        return (name, "method", field.method_name)
    for maker in _STEP_MAKERS:
        step = maker(field)
        if step is not None:
            return (name, "step", step)
    return (name, "field", None)


def _drf_value(serializer, name, instance, ret):
    """One field exactly as ``Serializer.to_representation`` writes it."""
    field = serializer.fields[name]
    try:
        attribute = field.get_attribute(instance)
    except SkipField:
        return
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    ret[name] = None if check_for_none is None else field.to_representation(attribute)


def _run(plan, instance, serializer, state):
    ret = {}
    for name, kind, how in plan:
        if kind == "step":
            try:
                ret[name] = how(instance, state)
                continue
            except _Fallback:
                if serializer is None:
                    raise
        elif kind == "method":
            ret[name] = getattr(serializer, how)(instance)
            continue
        _drf_value(serializer, name, instance, ret)
    return ret


class FastRepresentation(serializers.Serializer):
    """Mixin (first among the bases) for serializers whose fields are the same for every
    request; one that builds fields from its context must not use it."""

    _plans: dict[type, list] = {}

    @classmethod
    def _plan(cls) -> list:
        """(name, kind, how) per readable field: a step, a method's name, or "field"."""
        plan = FastRepresentation._plans.get(cls)
        if plan is None:
            fields = cls().fields
            plan = [_plan_field(name, f) for name, f in fields.items() if not f.write_only]
            FastRepresentation._plans[cls] = plan
        return plan

    def to_representation(self, instance):
        return _run(self._plan(), instance, self, _State.of(self.context))
