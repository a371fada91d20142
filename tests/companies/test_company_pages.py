"""The company list and the company profile with its family rollup."""

import datetime
from decimal import Decimal

import pytest

from tests.factories import CompanyAliasFactory, CompanyFactory, SettlementFactory, ViolationFactory


@pytest.mark.usefixtures("seed")
class TestSeedCompanies:
    def test_tiktok_shows_both_seed_records(self, client):
        html = client.get("/companies/tiktok/").content.decode()
        assert "$92,000,000" in html
        assert "$5,700,000" in html
        assert 'href="/companies/bytedance/"' in html  # its parent
        assert 'href="/companies/musical-ly/"' in html  # its subsidiary
        assert "TikTok Inc." in html  # an alias

    def test_bytedance_shows_them_through_the_family_rollup(self, client):
        html = client.get("/companies/bytedance/").content.decode()
        assert "$92,000,000" in html
        assert "$5,700,000" in html
        assert "2 companies below it in all" in html

    def test_the_switch_leaves_subsidiaries_out(self, client):
        html = client.get("/companies/bytedance/?include_subsidiaries=0").content.decode()
        assert "$92,000,000" in html  # ByteDance is itself a defendant
        assert "$5,700,000" not in html  # Musical.ly's penalty is not ByteDance's own
        assert "No published penalties." in html
        assert 'value="0" checked' in html

    def test_a_bad_switch_value_says_so(self, client):
        response = client.get("/companies/tiktok/?include_subsidiaries=maybe")
        assert response.status_code == 400
        assert "Use include_subsidiaries=1" in response.content.decode()

    def test_chart_has_accessible_labels_and_numbers(self, client):
        html = client.get("/companies/tiktok/").content.decode()
        assert 'role="img"' in html
        assert "<desc id=" in html
        assert "Largest: 2021, ≈ $92,000,000." in html
        assert '<th scope="row">2019</th><td class="num">≈ $5,700,000</td>' in html

    def test_company_list_has_counts_and_totals(self, client):
        html = client.get("/companies/").content.decode()
        assert "ByteDance" in html and "Musical.ly" in html
        assert "≈ $92,000,000" in html  # TikTok and ByteDance, defendants
        assert "≈ $5,700,000" in html  # Musical.ly

    def test_company_list_filters(self, client):
        html = client.get("/companies/?company=bytedance&include_subsidiaries=0").content.decode()
        assert "<strong>1</strong> company" in html
        html = client.get("/companies/?q=musical").content.decode()
        assert "<strong>1</strong> company" in html and "Musical.ly" in html
        html = client.get("/companies/?amount_min=10000000&sort=-amount").content.decode()
        assert "<strong>2</strong> companies" in html
        assert html.index("ByteDance") < html.index("TikTok</a>")

    def test_company_feed(self, client):
        response = client.get("/companies/bytedance/feed/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        body = response.content.decode()
        assert "$92,000,000 settlement" in body
        assert "$5,700,000 civil penalty" in body


@pytest.mark.django_db
def test_unpublished_company_is_404_and_hidden_from_family(client):
    parent = CompanyFactory(name="Parent Co", slug="parent-co")
    CompanyFactory(name="Secret Sub", slug="secret-sub", parent=parent, is_published=False)
    assert client.get("/companies/secret-sub/").status_code == 404
    assert client.get("/companies/secret-sub/feed/").status_code == 404
    html = client.get("/companies/parent-co/").content.decode()
    assert "Secret Sub" not in html
    assert "Secret Sub" not in client.get("/companies/").content.decode()


@pytest.mark.django_db
def test_company_list_search_matches_aliases(client):
    company = CompanyFactory(name="Meta Platforms")
    CompanyAliasFactory(company=company, name="Facebook")
    html = client.get("/companies/?q=facebook").content.decode()
    assert "Meta Platforms" in html


@pytest.mark.django_db
def test_amounts_by_year_add_settlements_and_penalties(client):
    company = CompanyFactory(slug="acme", name="Acme")
    ViolationFactory(company=company, amount=Decimal(300), decided_on=datetime.date(2020, 5, 1))
    from tests.factories import LawsuitFactory

    SettlementFactory(
        lawsuit=LawsuitFactory(defendants=[company]),
        amount=Decimal(700),
        announced_on=datetime.date(2020, 7, 1),
    )
    html = client.get("/companies/acme/").content.decode()
    assert '<th scope="row">2020</th><td class="num">≈ $1,000</td>' in html


@pytest.mark.django_db
def test_company_without_records_says_so(client):
    CompanyFactory(slug="clean", name="Clean Co")
    html = client.get("/companies/clean/").content.decode()
    assert "No published settlements." in html
    assert "No amounts to chart yet." in html
