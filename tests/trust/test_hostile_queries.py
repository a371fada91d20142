"""Property-based: any query string on any public list gives an answer, never a server
error, and every refusal says why (at the field, or in plain text for CSV and Atom)."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.filters import (
    CompanyRecordFilterSet,
    LawsuitFilterSet,
    SettlementFilterSet,
    ViolationFilterSet,
)

pytestmark = pytest.mark.django_db

LISTS = {
    "/settlements/": SettlementFilterSet,
    "/violations/": ViolationFilterSet,
    "/lawsuits/": LawsuitFilterSet,
    "/companies/": CompanyRecordFilterSet,
}
# Values a real visitor or a link might send, and some a hostile one would.
PLAUSIBLE = [
    "2021", "2019", "0", "-1", "99999999999999999999", "1e309", "NaN", "USD", "usd", "EUR",
    "tiktok", "bytedance", "ftc", "coppa", "bipa", "US", "class_action", "final_approval",
    "amount", "-amount", "date", "-date", "name", "1", "true", "false", "on", "html", "csv",
    "atom", "json", "' OR 1=1 --", "<script>alert(1)</script>", "=HYPERLINK(\"x\")", "%00",
    "\x00", "../../etc/passwd", "💸", "ß", "İ", " ", "",
]  # fmt: skip
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
VALUE = st.one_of(
    st.sampled_from(PLAUSIBLE),
    TEXT,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


def queries(filterset_class):
    names = [*filterset_class.base_filters, "page", "format", "include_subsidiaries"]
    key = st.one_of(st.sampled_from(names), TEXT.filter(bool))
    return st.dictionaries(key, st.lists(VALUE, min_size=1, max_size=3), max_size=6)


def assert_answered_clearly(response, url, query):
    status = response.status_code
    assert status in (200, 400, 404), (url, query, status)
    body = response.content.decode()
    if status == 200:
        return
    if response["Content-Type"].startswith("text/plain"):
        assert body.startswith("These filters could not be used:"), (url, query, body)
        return
    clear = (
        'aria-invalid="true"' in body
        or "is not a format this list offers" in body
        or "is not a page number" in body
        or "Pages are numbered from 1." in body
        or "There is no page" in body
        or "Use include_subsidiaries=1" in body
    )
    assert clear, (url, query, status)


HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.mark.parametrize("path", list(LISTS))
def test_no_query_string_breaks_a_list(client, seed, path):
    @HYPOTHESIS
    @given(query=queries(LISTS[path]))
    def check(query):
        response = client.get(path, query)
        assert_answered_clearly(response, path, query)

    check()


def test_no_query_string_breaks_search_or_a_company_page(client, seed):
    pages = [reverse("cases:search"), reverse("companies:detail", args=["bytedance"])]

    @HYPOTHESIS
    @given(
        path=st.sampled_from(pages),
        query=queries(CompanyRecordFilterSet),
        q=st.one_of(st.sampled_from(PLAUSIBLE), TEXT),
    )
    def check(path, query, q):
        response = client.get(path, {**query, "q": q})
        assert_answered_clearly(response, path, query)

    check()


# The CSV and Atom variants of every list, and valid values on every variant.
EXPORTS = [
    ("/settlements/", "csv"),
    ("/settlements/", "atom"),
    ("/violations/", "csv"),
    ("/violations/", "atom"),
    ("/lawsuits/", "atom"),
    ("/companies/", "csv"),
]


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_export_readable(response, output, where) -> None:
    import csv
    import io
    from xml.etree import ElementTree

    body = body_of(response)
    if output == "csv":
        assert response["Content-Type"].startswith("text/csv"), where
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows and rows[0][0] in ("record_type", "name"), where
    else:
        assert response["Content-Type"].startswith("application/atom+xml"), where
        ElementTree.fromstring(body)  # well-formed


@pytest.mark.parametrize(("path", "output"), EXPORTS)
def test_no_query_string_breaks_an_export(client, seed, path, output):
    @HYPOTHESIS
    @given(query=queries(LISTS[path]))
    def check(query):
        query = {**query, "format": output}
        response = client.get(path, query)
        where = (path, query)
        assert response.status_code in (200, 400), (*where, response.status_code)
        if response.status_code == 200:
            assert_export_readable(response, output, where)
            return
        lines = body_of(response).decode().splitlines()
        assert lines[0] == "These filters could not be used:", where
        named = {line[2:].split(":", 1)[0] for line in lines[1:]}
        assert named and named <= set(query), (where, lines)

    check()


@pytest.mark.parametrize(("path", "output"), [(path, "html") for path in LISTS] + EXPORTS, ids=str)
def test_valid_values_on_a_list_and_its_exports_give_200(client, seed, path, output):
    from tests.trust.test_hostile_api_queries import valid_queries

    @HYPOTHESIS
    @given(query=valid_queries(LISTS[path]))
    def check(query):
        query = {**query, "format": output}
        response = client.get(path, query)
        assert response.status_code == 200, (path, query, body_of(response)[:500])
        if output != "html":
            assert_export_readable(response, output, (path, query))

    check()
