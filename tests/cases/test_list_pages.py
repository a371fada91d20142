"""The settlement, violation and lawsuit lists: filters, facets, totals, paging, bad input."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import summary
from cases.models import Lawsuit, Violation
from tests.factories import (
    AuthorityFactory,
    CompanyFactory,
    ExchangeRateFactory,
    LawFactory,
    LawsuitFactory,
    SettlementFactory,
    ViolationFactory,
)

LISTS = ["/settlements/", "/violations/", "/lawsuits/", "/companies/"]


@pytest.mark.usefixtures("seed")
class TestSeedLists:
    def test_tiktok_settlements_of_2021_show_the_92_million(self, client):
        response = client.get("/settlements/", {"company": "tiktok", "year": "2021"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "$92,000,000" in html
        assert "In re TikTok, Inc., Consumer Privacy Litigation" in html
        assert "1</strong> settlement matches these filters" in html

    def test_tiktok_violations_of_2019_show_the_ftc_penalty(self, client):
        response = client.get("/violations/", {"company": "tiktok", "year": "2019"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "$5,700,000" in html
        assert "Musical.ly" in html

    def test_the_form_keeps_its_values(self, client):
        html = client.get("/settlements/", {"company": "tiktok", "year": "2021"}).content.decode()
        assert 'name="company" value="tiktok"' in html
        assert 'name="year" value="2021"' in html

    def test_facets_count_and_link_to_a_narrower_list(self, client):
        html = client.get("/violations/").content.decode()
        assert 'href="/violations/?year=2019"' in html
        assert 'href="/violations/?authority=ftc"' in html
        assert 'href="/violations/?kind=civil_penalty"' in html
        narrowed = client.get("/violations/?company=tiktok").content.decode()
        assert 'href="/violations/?company=tiktok&amp;year=2019"' in narrowed


@pytest.mark.django_db
class TestTotalsAndFacets:
    def test_totals_per_currency_and_approximate_usd(self, client):
        ExchangeRateFactory(currency="EUR", year=2019, usd_per_unit=Decimal("1.10"))
        ViolationFactory(amount=Decimal(1_000_000), currency="EUR")
        ViolationFactory(amount=Decimal(2_000_000), currency="EUR")
        ViolationFactory(amount=Decimal(500_000), currency="USD")
        ViolationFactory(amount=Decimal(999), currency="USD", is_published=False)
        html = client.get("/violations/").content.decode()
        assert "<strong>3</strong> penalties" in html
        assert "€3,000,000" in html
        assert "$500,000" in html
        assert "≈ $3,800,000" in html  # 3M EUR at 1.10 + 0.5M USD
        assert "$999" not in html

    def test_facet_counts_follow_the_filters(self, client):
        cnil = AuthorityFactory(slug="cnil", name="CNIL", country="FR")
        ViolationFactory.create_batch(3, authority=cnil, decided_on=datetime.date(2020, 1, 1))
        ViolationFactory(decided_on=datetime.date(2021, 1, 1))
        html = client.get("/violations/?authority=cnil").content.decode()
        facet = (
            'href="/violations/?authority=cnil&amp;year=2020">2020</a> <span class="count">3</span>'
        )
        assert facet in html
        assert "2021" not in html.split('aria-label="Narrow the results"')[1].split("</aside>")[0]


BAD_INPUT = [
    ("year=abc", "Enter a year as four digits"),
    ("amount_min=-5", "Enter an amount of 0 or more"),
    ("company=no-such-company", "No published company has the short name “no-such-company”"),
    ("sort=drop+table", "Sort by one of"),
    ("year_from=2022&year_to=2019", "is before"),
    ("currency=dollars", "three-letter currency code"),
    ("q=a%00b", "Null characters are not allowed."),
    ("company=tik%00tok", "Null characters are not allowed."),
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS[:3])
@pytest.mark.parametrize(("query", "message"), BAD_INPUT)
def test_bad_filters_show_the_page_with_the_message_at_the_field(client, path, query, message):
    SettlementFactory()
    ViolationFactory()
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    assert "could not be used, so nothing is listed" in html
    assert '<table class="records">' not in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
def test_out_of_range_and_bad_pages_say_so(client, path):
    SettlementFactory()
    ViolationFactory()
    response = client.get(path, {"page": "999999"})
    assert response.status_code == 404
    assert "There is no page 999999: these results fit on 1 page." in response.content.decode()
    response = client.get(path, {"page": "abc"})
    assert response.status_code == 400
    assert "“abc” is not a page number" in response.content.decode()
    response = client.get(path, {"page": "0"})
    assert response.status_code == 400
    assert "Pages are numbered from 1." in response.content.decode()


@pytest.mark.django_db
def test_pages_split_at_fifty_and_link_onwards(client):
    ViolationFactory.create_batch(51)
    first = client.get("/violations/").content.decode()
    assert "Page 1 of 2" in first
    assert 'href="/violations/?page=2"' in first
    second = client.get("/violations/?page=2").content.decode()
    assert second.count('class="amount"') == 1


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
def test_unknown_parameters_are_named_not_silently_ignored(client, path):
    response = client.get(path, {"colour": "red"})
    assert response.status_code == 200
    assert "Not used: colour" in response.content.decode()


@pytest.mark.django_db
def test_unknown_format_is_an_error(client):
    response = client.get("/settlements/", {"format": "xlsx"})
    assert response.status_code == 400
    assert "“xlsx” is not a format this list offers" in response.content.decode()


@pytest.mark.django_db
def test_empty_results_say_why(client):
    ViolationFactory(decided_on=datetime.date(2019, 1, 1))
    html = client.get("/violations/?year=2005").content.decode()
    assert "No penalties match these filters." in html
    html = client.get("/settlements/").content.decode()
    assert "No settlements have been published yet." in html


@pytest.mark.django_db
def test_unpublished_records_and_their_children_never_appear(client):
    hidden_company = CompanyFactory(name="Hidden Co", is_published=False)
    ViolationFactory(company=hidden_company, amount=Decimal(111_111))
    ViolationFactory(amount=Decimal(222_222), is_published=False)
    hidden_lawsuit = LawsuitFactory(title="Secret v. Case", is_published=False)
    SettlementFactory(lawsuit=hidden_lawsuit, amount=Decimal(333_333))
    for path in LISTS:
        html = client.get(path).content.decode()
        for text in ("Hidden Co", "111,111", "222,222", "Secret v. Case", "333,333"):
            assert text not in html, (path, text)


@pytest.mark.django_db
def test_imported_text_is_escaped(client):
    company = CompanyFactory(name="<script>alert(1)</script> Corp")
    ViolationFactory(company=company, description="<b>bold</b>")
    lawsuit = LawsuitFactory(title="<img src=x onerror=alert(1)>", defendants=[company])
    SettlementFactory(lawsuit=lawsuit)
    for path in LISTS:
        html = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html


def _make_rows(count: int):
    for index in range(count):
        company = CompanyFactory(parent=CompanyFactory())
        law = LawFactory()
        lawsuit = LawsuitFactory(defendants=[company, CompanyFactory()])
        lawsuit.laws.add(law)
        SettlementFactory(lawsuit=lawsuit, currency="EUR" if index % 2 else "USD")
        violation = ViolationFactory(company=company, kind=Violation.Kind.CIVIL_PENALTY)
        violation.laws.add(law)


def _queries(client, url: str) -> int:
    # The first read after writes settles the summaries first; recomputing the marked
    # company families costs a few queries per family (cases/summary.py), so it grows with
    # the number of families written to, not with the page. Settled before counting.
    summary.settle()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(context.captured_queries)


URLS = [
    "/settlements/",
    "/violations/",
    "/lawsuits/",
    "/companies/",
    "/settlements/?format=csv",
    "/violations/?format=csv",
    "/companies/?format=csv",
    "/settlements/?format=atom",
    "/violations/?format=atom",
    "/lawsuits/?format=atom",
    "/settlements/?sort=company&amount_min=1",
    "/",
    "/stats/",
    "/feeds/latest/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS)
def test_queries_stay_constant_as_rows_grow(client, url):
    ExchangeRateFactory(currency="EUR", year=2021)
    _make_rows(2)
    with_two = _queries(client, url)
    _make_rows(18)
    with_twenty = _queries(client, url)
    assert with_two == with_twenty


@pytest.mark.django_db
def test_lawsuit_list_shows_what_settlements_add_up_to(client):
    lawsuit = LawsuitFactory(title="Roe v. Big", kind=Lawsuit.Kind.CLASS_ACTION)
    SettlementFactory(lawsuit=lawsuit, amount=Decimal(1_000_000))
    SettlementFactory(lawsuit=lawsuit, amount=Decimal(250_000))
    html = client.get("/lawsuits/?amount_min=1200000").content.decode()
    assert "Roe v. Big" in html
    assert "≈ $1,250,000" in html
    assert "Roe v. Big" not in client.get("/lawsuits/?amount_min=2000000").content.decode()


@pytest.mark.django_db
def test_facets_leave_out_unpublished_authorities(client):
    court = AuthorityFactory(name="Quiet Court", slug="quiet-court", is_published=False)
    SettlementFactory(lawsuit=LawsuitFactory(authority=court))
    html = client.get("/settlements/").content.decode()
    assert "Quiet Court" not in html
    assert "Quiet Court" not in client.get("/stats/").content.decode()


def _make_family_rows(company, count: int):
    for _ in range(count):
        child = CompanyFactory(parent=company)
        law = LawFactory()
        lawsuit = LawsuitFactory(defendants=[child, CompanyFactory()])
        lawsuit.laws.add(law)
        SettlementFactory(lawsuit=lawsuit)
        ViolationFactory(company=child).laws.add(law)


@pytest.mark.django_db
def test_company_authority_and_law_pages_keep_constant_queries(client):
    company = CompanyFactory(slug="parent-co")
    authority = AuthorityFactory(slug="the-authority")
    law = LawFactory(slug="the-law")

    def page_queries():
        counts = []
        for url in ["/companies/parent-co/", "/authorities/the-authority/", "/laws/the-law/"]:
            counts.append(_queries(client, url))
        return counts

    def add_rows(count):
        _make_family_rows(company, count)
        for _ in range(count):
            lawsuit = LawsuitFactory(authority=authority)
            lawsuit.laws.add(law)
            SettlementFactory(lawsuit=lawsuit)
            ViolationFactory(authority=authority).laws.add(law)

    add_rows(2)
    with_two = page_queries()
    add_rows(18)
    assert page_queries() == with_two


@pytest.mark.usefixtures("seed")
def test_filters_in_use_are_listed_with_a_way_to_remove_each(client):
    html = client.get("/settlements/?company=tiktok&year=2021&status=final_approval").content
    html = html.decode()
    assert "<title>Settlements: TikTok, 2021, Final approval · Casetrack</title>" in html
    assert 'href="/settlements/?year=2021&amp;status=final_approval"' in html  # without company
    assert 'aria-label="Remove the filter Year: 2021"' in html
