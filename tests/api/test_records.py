"""Single records, their flat representation, parameter errors, pagination and throttling."""

import pytest
from rest_framework.throttling import AnonRateThrottle

DETAIL_URLS = {
    "companies": "/api/companies/alpha-sub/",
    "authorities": "/api/authorities/trade-agency/",
    "laws": "/api/laws/coppa/",
    "lawsuits": "/api/lawsuits/in-re-alpha/",
}


def test_root_lists_every_endpoint(client, db):
    body = client.get("/api/").json()
    assert sorted(body) == [
        "authorities",
        "companies",
        "laws",
        "lawsuits",
        "settlements",
        "violations",
    ]
    assert body["settlements"] == "http://testserver/api/settlements/"


def test_settlement_is_flat_with_amounts_dates_and_links(client, records):
    s1 = records["s1"]

    body = client.get(f"/api/settlements/{s1.pk}/").json()

    assert body["id"] == s1.pk
    assert body["url"] == f"http://testserver/api/settlements/{s1.pk}/"
    assert body["page_url"] == f"http://testserver{s1.get_absolute_url()}"
    assert (body["amount"], body["currency"], body["amount_usd_approx"]) == (
        "92000000.00",
        "USD",
        "92000000.00",
    )
    assert (body["announced_on"], body["announced_on_precision"]) == ("2021-02", "month")
    assert (body["approved_on"], body["approved_on_precision"]) == ("2022-07-28", "day")
    assert body["claim_deadline"] is None
    assert body["lawsuit"] == "in-re-alpha"
    assert body["lawsuit_url"] == "http://testserver/api/lawsuits/in-re-alpha/"
    assert body["defendants"] == ["alpha-sub"]
    assert body["defendant_urls"] == ["http://testserver/api/companies/alpha-sub/"]


def test_foreign_amounts_carry_an_approximate_usd_value(client, records):
    body = client.get(f"/api/settlements/{records['s2'].pk}/").json()

    assert (body["amount"], body["currency"]) == ("3000000.00", "EUR")
    assert body["amount_usd_approx"] == "3360000.00"  # 3,000,000 at 1.12, the 2019 average
    assert (body["announced_on"], body["announced_on_precision"]) == ("2019", "year")
    assert body["defendants"] == ["beta"]  # the unpublished co-defendant is left out


def test_violation_shows_only_published_related_records(client, records):
    body = client.get(f"/api/violations/{records['v1'].pk}/").json()

    assert body["company"] == "alpha-sub"
    assert body["parent_company"] == "alpha"
    assert body["company_name"] == "Alpha Sub"
    assert body["authority"] == "trade-agency"
    assert body["authority_url"] == "http://testserver/api/authorities/trade-agency/"
    assert body["laws"] == ["coppa"]  # hidden-law is unpublished
    assert body["law_urls"] == ["http://testserver/api/laws/coppa/"]
    assert body["lawsuit"] is None
    assert body["sources"] == [
        {
            "url": "https://news.example.org/v1",
            "title": "V1 story",
            "publisher": "Example News",
            "published_on": None,
        }
    ]
    assert (body["decided_on"], body["decided_on_precision"]) == ("2019-02-27", "day")


def test_lawsuit_lists_its_published_settlements_and_total(client, records):
    body = client.get("/api/lawsuits/in-re-alpha/").json()

    assert body["settlements"] == [f"http://testserver/api/settlements/{records['s1'].pk}/"]
    assert body["settled_usd_approx"] == "92000000.00"
    assert (body["filed_on"], body["filed_on_precision"]) == ("2020", "year")
    assert body["laws"] == ["bipa"]


def test_company_has_aliases_parent_and_subsidiaries(client, records):
    alpha = client.get("/api/companies/alpha/").json()
    beta = client.get("/api/companies/beta/").json()

    assert alpha["subsidiaries"] == ["alpha-sub"]
    assert alpha["parent"] is None
    assert beta["aliases"] == ["Beta Holdings SA"]


def test_company_parent_is_hidden_when_unpublished(client, records):
    alpha = records["alpha"]
    alpha.is_published = False
    alpha.save()

    body = client.get("/api/companies/alpha-sub/").json()

    assert (body["parent"], body["parent_url"]) == (None, None)


@pytest.mark.parametrize("endpoint", DETAIL_URLS)
def test_detail_by_slug(client, records, endpoint):
    url = DETAIL_URLS[endpoint]
    body = client.get(url).json()
    assert body["slug"] == url.rstrip("/").rsplit("/", 1)[1]
    assert body["url"] == f"http://testserver{url}"


@pytest.mark.parametrize(
    "url",
    [
        "/api/companies/hidden/",
        "/api/authorities/secret-board/",
        "/api/laws/hidden-law/",
        "/api/lawsuits/hidden-suit/",
        "/api/companies/no-such-company/",
    ],
)
def test_unpublished_or_missing_records_are_404(client, records, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No ")


@pytest.mark.parametrize("kind", ["settlement", "violation"])
def test_unpublished_records_by_id_are_404(client, records, kind):
    pk = records[f"hidden-{kind}"].pk
    assert client.get(f"/api/{kind}s/{pk}/").status_code == 404


def test_ids_too_long_for_the_database_are_not_routed(client, db):
    assert client.get("/api/violations/9999999999999999999999/").status_code == 404


@pytest.mark.parametrize(
    ("query", "parameter", "reason"),
    [
        ("colour=red", "colour", "Unknown parameter. This list accepts: amount_max"),
        ("format=csv", "format", "Unknown parameter."),
        ("year=twenty", "year", "Enter a year as four digits"),
        ("year=1500", "year", "Enter a year from 1900 to 2100."),
        ("company=nobody", "company", "No published company has the short name “nobody”"),
        ("company=hidden", "company", "No published company"),
        ("law=hidden-law", "law", "No published law"),
        ("amount_min=-5", "amount_min", "amounts are never negative"),
        ("amount_min=lots", "amount_min", "Enter an amount in US dollars"),
        ("year_from=2021&year_to=2019", "year_to", "is before"),
        ("sort=cheapest", "sort", "Sort by one of"),
        ("currency=XYZ", "currency", "three-letter currency code"),
        ("kind=war", "kind", "Use one of"),
        ("year=2019&year=2020", "year", "Given more than once"),
        ("page=0", "page", "Enter a page number"),
        ("page=2", "page", "There is no page 2; the last page is 1."),
        ("page_size=501", "page_size", "from 1 to 500"),
        ("page_size=ten", "page_size", "from 1 to 500"),
    ],
)
def test_bad_parameters_are_400_naming_parameter_and_reason(
    client, records, query, parameter, reason
):
    response = client.get(f"/api/violations/?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == f"Invalid query parameter: {parameter}."
    assert [error["parameter"] for error in body["errors"]] == [parameter]
    assert reason in body["errors"][0]["reason"]


def test_every_bad_parameter_is_reported_at_once(client, records):
    body = client.get("/api/settlements/?colour=red&year=abc").json()

    assert {error["parameter"] for error in body["errors"]} == {"colour", "year"}


def test_detail_addresses_take_no_parameters(client, records):
    response = client.get("/api/companies/alpha/?year=2020")

    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "year"


def test_pages_link_to_each_other(client, records):
    first = client.get("/api/violations/?page_size=2&sort=amount").json()
    second = client.get(first["next"]).json()

    assert first["count"] == 3
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/violations/?page=2&page_size=2&sort=amount"
    assert [row["id"] for row in first["results"] + second["results"]] == [
        records[name].pk for name in ("v3", "v2", "v1")
    ]
    assert second["next"] is None


def test_the_api_is_read_only(client, records):
    assert client.post("/api/violations/", {}).status_code == 405
    assert client.delete(f"/api/violations/{records['v1'].pk}/").status_code == 405
    assert client.put("/api/companies/alpha/", {}).status_code == 405


def test_anonymous_clients_are_throttled(client, db, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})

    statuses = [client.get("/api/laws/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/laws/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


@pytest.mark.parametrize(
    "path", ["/api/nothing-here/", "/api/laws/a%0Ab/", "/api/violations/abc/", "/api/laws/%C2%84/"]
)
def test_unknown_api_addresses_are_json_404(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
