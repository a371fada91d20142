"""Property-based, beyond schemathesis: any query string on any API list is answered with
200 or a 400 that names each parameter it refuses (never a 5xx), and any combination of
valid values is answered with 200 and the rows.

Valid values are drawn from each FilterSet's own form fields (the choices they offer, the
slugs of published companies, authorities and laws, years and amounts in range), so a new
filter is fuzzed without editing this file.
"""

import json

import pytest
from django import forms
from django.core.cache import cache
from hypothesis import given
from hypothesis import strategies as st

from api.pagination import MAX_PAGE_SIZE
from cases.filters import (
    AuthorityFilterSet,
    CompanyRecordFilterSet,
    LawFilterSet,
    LawsuitFilterSet,
    SettlementFilterSet,
    ViolationFilterSet,
)
from core.filters import MAX_YEAR, MIN_YEAR
from tests.trust.test_hostile_queries import HYPOTHESIS, TEXT, VALUE

pytestmark = pytest.mark.django_db

API_LISTS = {
    "/api/settlements/": SettlementFilterSet,
    "/api/violations/": ViolationFilterSet,
    "/api/lawsuits/": LawsuitFilterSet,
    "/api/companies/": CompanyRecordFilterSet,
    "/api/authorities/": AuthorityFilterSet,
    "/api/laws/": LawFilterSet,
}
PAGING = ("page", "page_size")
# Text a search box accepts: anything but NUL (and lone surrogates, which no URL carries).
SEARCH_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=200
)


def valid_value(name: str, field: forms.Field) -> st.SearchStrategy[str]:
    """Values the field accepts, read from the field itself."""
    if isinstance(field, forms.ModelChoiceField):
        values = sorted(field.queryset.values_list(field.to_field_name, flat=True))
        assert values, f"{name}: no published record to filter by"
        return st.sampled_from(values)
    if isinstance(field, forms.ChoiceField):
        return st.sampled_from([str(key) for key, _ in field.choices if key != ""])
    if isinstance(field, forms.IntegerField):
        return st.integers(MIN_YEAR, MAX_YEAR).map(str)
    if isinstance(field, forms.DecimalField):
        whole = st.integers(0, 10**12).map(str)
        cents = st.decimals(0, 10**9, places=2, allow_nan=False, allow_infinity=False)
        return st.one_of(whole, cents.map(str))
    if name == "jurisdiction":
        return st.sampled_from(["US", "us", "US-IL", "EU", "FR", "DE", " gb "])
    if isinstance(field, forms.CharField):
        return SEARCH_TEXT
    raise AssertionError(f"no valid values known for {name} ({type(field).__name__})")


def in_order(query: dict, low: str, high: str, key) -> None:
    """Ranges that run backwards are refused, rightly: put a drawn pair in order."""
    if low in query and high in query and key(query[low]) > key(query[high]):
        query[low], query[high] = query[high], query[low]


@st.composite
def valid_queries(draw, filterset_class, extra=()):
    fields = filterset_class().form.fields
    names = draw(st.lists(st.sampled_from(list(fields)), unique=True, max_size=5))
    query = {name: draw(valid_value(name, fields[name])) for name in names}
    in_order(query, "year_from", "year_to", int)
    in_order(query, "amount_min", "amount_max", float)
    for name, strategy in extra:
        if draw(st.booleans()):
            query[name] = draw(strategy)
    return query


def any_queries(filterset_class):
    names = [*filterset_class.base_filters, *PAGING]
    key = st.one_of(st.sampled_from(names), TEXT.filter(bool))
    return st.dictionaries(key, st.lists(VALUE, min_size=1, max_size=3), max_size=6)


def get(client, path, query):
    """One request, with the per-client throttle's count reset (it is tested elsewhere)."""
    cache.clear()
    return client.get(path, query)


def assert_refusal_names_parameters(response, path, query) -> None:
    assert response.status_code == 400, (path, query, response.status_code)
    assert response["Content-Type"] == "application/json", (path, query)
    body = json.loads(response.content)
    assert body["detail"].startswith("Invalid query parameter: "), body
    named = [error["parameter"] for error in body["errors"]]
    assert named and set(named) <= set(query), (query, body)
    assert all(isinstance(e["reason"], str) and e["reason"] for e in body["errors"]), body
    # Every unknown parameter is among those named.
    known = {*API_LISTS[path].base_filters, *PAGING}
    assert {name for name in query if name not in known} <= set(named), (query, body)


@pytest.mark.parametrize("path", list(API_LISTS))
def test_any_query_on_an_api_list_is_answered_or_refused_by_name(client, seed, path):
    @HYPOTHESIS
    @given(query=any_queries(API_LISTS[path]))
    def check(query):
        response = get(client, path, query)
        if response.status_code == 200:
            assert "results" in json.loads(response.content), (path, query)
        else:
            assert_refusal_names_parameters(response, path, query)

    check()


@pytest.mark.parametrize("path", list(API_LISTS))
def test_valid_values_on_an_api_list_give_rows(client, seed, path):
    paging = [("page", st.just("1")), ("page_size", st.integers(1, MAX_PAGE_SIZE).map(str))]

    @HYPOTHESIS
    @given(query=valid_queries(API_LISTS[path], paging))
    def check(query):
        response = get(client, path, query)
        assert response.status_code == 200, (path, query, response.content[:500])
        body = json.loads(response.content)
        assert body["count"] == 0 or body["results"], (path, query)

    check()


@pytest.mark.parametrize(
    "value", ["0", "-1", "x", "1.5", "", "99999999999999999999", "²", "５", "1\n", "\u0661"]
)
def test_bad_paging_is_refused_by_name(client, seed, value):
    """Found: "²" passed str.isdigit() and then crashed int() (a 500)."""
    for path in API_LISTS:
        for name in PAGING:
            assert_refusal_names_parameters(get(client, path, {name: value}), path, {name: value})
