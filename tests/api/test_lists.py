"""Every API list and every filter parameter: the rows expected, and the page's rows.

Each case names the records it should return (in order); the same parameters given to the
page's FilterSet must return the same rows, so the API and the site cannot drift apart.
"""

import pytest
from django.http import QueryDict

from cases.filters import (
    AuthorityFilterSet,
    LawFilterSet,
    LawsuitFilterSet,
    SettlementFilterSet,
    ViolationFilterSet,
)
from cases.models import Authority, Law, Lawsuit, Settlement, Violation
from companies.filters import CompanyFilterSet
from companies.models import Company

ENDPOINTS = {
    "settlements": (SettlementFilterSet, Settlement, "id"),
    "violations": (ViolationFilterSet, Violation, "id"),
    "lawsuits": (LawsuitFilterSet, Lawsuit, "slug"),
    "companies": (CompanyFilterSet, Company, "slug"),
    "authorities": (AuthorityFilterSet, Authority, "slug"),
    "laws": (LawFilterSet, Law, "slug"),
}

CASES = [
    ("settlements", "", ["s1", "s2"]),
    ("settlements", "company=alpha", ["s1"]),
    ("settlements", "company=alpha&include_subsidiaries=0", []),
    ("settlements", "company=alpha-sub&include_subsidiaries=0", ["s1"]),
    ("settlements", "company=beta", ["s2"]),
    ("settlements", "year=2021", ["s1"]),
    ("settlements", "year_from=2020", ["s1"]),
    ("settlements", "year_to=2020", ["s2"]),
    ("settlements", "amount_min=10000000", ["s1"]),
    ("settlements", "amount_max=10000000", ["s2"]),
    ("settlements", "currency=EUR", ["s2"]),
    ("settlements", "authority=district-court", ["s1"]),
    ("settlements", "law=gdpr", ["s2"]),
    ("settlements", "country=FR", ["s2"]),
    ("settlements", "kind=regulatory", ["s2"]),
    ("settlements", "status=final_approval", ["s1"]),
    ("settlements", "q=cookie", ["s2"]),
    ("settlements", "q=holdings", ["s2"]),  # an alias of a defendant
    ("settlements", "sort=amount", ["s2", "s1"]),
    ("settlements", "sort=-amount", ["s1", "s2"]),
    ("settlements", "sort=date", ["s2", "s1"]),
    ("settlements", "sort=company", ["s1", "s2"]),
    ("settlements", "sort=-company", ["s2", "s1"]),
    ("settlements", "company=beta&year=2019&currency=EUR", ["s2"]),
    ("violations", "", ["v3", "v2", "v1"]),
    ("violations", "company=alpha", ["v3", "v1"]),
    ("violations", "company=alpha&include_subsidiaries=0", ["v3"]),
    ("violations", "year=2020", ["v2"]),
    ("violations", "year_from=2020", ["v3", "v2"]),
    ("violations", "year_to=2019", ["v1"]),
    ("violations", "amount_min=1000000", ["v2", "v1"]),
    ("violations", "amount_max=1000000", ["v3"]),
    ("violations", "currency=EUR", ["v2"]),
    ("violations", "authority=trade-agency", ["v3", "v1"]),
    ("violations", "law=coppa", ["v1"]),
    ("violations", "country=FR", ["v2"]),
    ("violations", "kind=civil_penalty", ["v3"]),
    ("violations", "status=appealed", ["v2"]),
    ("violations", "q=children", ["v1"]),
    ("violations", "q=TRA", ["v3", "v1"]),  # the authority's abbreviation
    ("violations", "sort=amount", ["v3", "v2", "v1"]),
    ("violations", "sort=date", ["v1", "v2", "v3"]),
    ("violations", "sort=company", ["v3", "v1", "v2"]),
    ("lawsuits", "", ["in-re-alpha", "regulator-v-beta"]),
    ("lawsuits", "company=alpha", ["in-re-alpha"]),
    ("lawsuits", "company=alpha&include_subsidiaries=0", []),
    ("lawsuits", "company=beta", ["regulator-v-beta"]),
    ("lawsuits", "year=2019", ["regulator-v-beta"]),
    ("lawsuits", "year_from=2020", ["in-re-alpha"]),
    ("lawsuits", "year_to=2019", ["regulator-v-beta"]),
    ("lawsuits", "amount_min=10000000", ["in-re-alpha"]),
    ("lawsuits", "amount_max=10000000", ["regulator-v-beta"]),
    ("lawsuits", "currency=EUR", ["regulator-v-beta"]),
    ("lawsuits", "authority=district-court", ["in-re-alpha"]),
    ("lawsuits", "law=bipa", ["in-re-alpha"]),
    ("lawsuits", "country=FR", ["regulator-v-beta"]),
    ("lawsuits", "kind=regulatory", ["regulator-v-beta"]),
    ("lawsuits", "status=settled", ["in-re-alpha"]),
    ("lawsuits", "q=biometric", ["in-re-alpha"]),
    ("lawsuits", "sort=amount", ["regulator-v-beta", "in-re-alpha"]),
    ("lawsuits", "sort=date", ["regulator-v-beta", "in-re-alpha"]),
    ("companies", "", ["alpha", "alpha-sub", "beta"]),
    ("companies", "q=sub", ["alpha-sub"]),
    ("companies", "q=holdings", ["beta"]),
    ("companies", "company=alpha", ["alpha", "alpha-sub"]),
    ("companies", "company=alpha&include_subsidiaries=0", ["alpha"]),
    ("companies", "country=FR", ["beta"]),
    ("companies", "sort=-name", ["beta", "alpha-sub", "alpha"]),
    ("authorities", "", ["district-court", "french-dpa", "trade-agency"]),
    ("authorities", "q=french", ["french-dpa"]),
    ("authorities", "q=tra", ["trade-agency"]),
    ("authorities", "kind=court", ["district-court"]),
    ("authorities", "country=FR", ["french-dpa"]),
    ("authorities", "sort=-name", ["trade-agency", "french-dpa", "district-court"]),
    ("laws", "", ["bipa", "coppa", "gdpr"]),
    ("laws", "q=children", ["coppa"]),
    ("laws", "jurisdiction=US", ["bipa", "coppa"]),
    ("laws", "jurisdiction=us-il", ["bipa"]),
    ("laws", "jurisdiction=EU", ["gdpr"]),
    ("laws", "sort=-name", ["gdpr", "coppa", "bipa"]),
]


def keys_of(records, names, key):
    return [getattr(records[name], key) for name in names]


@pytest.mark.parametrize(("endpoint", "query", "expected"), CASES)
def test_list_filters_like_its_page(client, records, endpoint, query, expected):
    filterset_class, model, key = ENDPOINTS[endpoint]

    response = client.get(f"/api/{endpoint}/?{query}")

    assert response.status_code == 200, response.json()
    body = response.json()
    got = [row[key] for row in body["results"]]
    assert got == keys_of(records, expected, key)
    assert body["count"] == len(expected)
    page = filterset_class(QueryDict(query), queryset=model.objects.published())
    assert page.is_valid()
    assert [getattr(record, key) for record in page.qs] == got


def test_every_filter_parameter_is_exercised():
    """A parameter added to a FilterSet must get a case above."""
    used = {
        (endpoint, name.split("=")[0])
        for endpoint, query, _ in CASES
        for name in query.split("&")
        if name
    }
    for endpoint, (filterset_class, _, _) in ENDPOINTS.items():
        missing = {
            name for name in filterset_class.parameter_names() if (endpoint, name) not in used
        }
        assert not missing, f"{endpoint}: no case for {sorted(missing)}"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unpublished_records_never_appear(client, records, endpoint):
    body = client.get(f"/api/{endpoint}/?page_size=500").json()
    text = str(body)

    for hidden in ("hidden", "Hidden Co", "secret-board", "hidden-law", "hidden-suit"):
        assert hidden not in text
    _, model, _ = ENDPOINTS[endpoint]
    assert body["count"] == model.objects.published().count()
