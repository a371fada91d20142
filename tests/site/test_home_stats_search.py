"""Home, statistics, search, the latest-records feed and the chart layout."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from cases import public_selectors
from cases.models import Violation
from core.charts import ChartRow, bar_chart
from tests.factories import CompanyAliasFactory, CompanyFactory, ViolationFactory

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.usefixtures("seed")
class TestSeedSite:
    def test_home_shows_totals_latest_and_search(self, client):
        html = client.get("/").content.decode()
        assert "≈ $92,000,000" in html
        assert "≈ $5,700,000" in html
        assert 'action="/search/"' in html
        assert "In re TikTok, Inc., Consumer Privacy Litigation" in html
        assert 'href="/settlements/"' in html and 'href="/violations/"' in html

    def test_stats_page_groups_by_year_authority_law_kind(self, client):
        html = client.get("/stats/").content.decode()
        for text in [
            "Settlements by year",
            'href="/settlements/?year=2021"',
            'href="/violations/?authority=ftc"',
            'href="/violations/?law=coppa"',
            'href="/settlements/?law=bipa"',
            'href="/violations/?kind=civil_penalty"',
            "Top companies by amount",
            "Penalties by year decided: count and amount",
            '<a href="/violations/?year=2019">2019</a></th><td class="num">1</td>',
            'role="img"',
        ]:
            assert text in html, text

    def test_search_finds_the_company_and_its_records(self, client):
        html = client.get("/search/", {"q": "TikTok"}).content.decode()
        assert 'href="/companies/tiktok/"' in html
        assert "In re TikTok, Inc., Consumer Privacy Litigation" in html

    def test_search_finds_aliases(self, client):
        html = client.get("/search/", {"q": "Bytedance Ltd"}).content.decode()
        assert 'href="/companies/bytedance/"' in html

    def test_latest_feed_is_atom_with_both_records(self, client):
        response = client.get("/feeds/latest/")
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)
        titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
        assert any("$92,000,000 settlement" in title for title in titles)
        assert any("$5,700,000 civil penalty" in title for title in titles)

    def test_filtered_list_feed_has_only_the_filtered_rows(self, client):
        response = client.get("/violations/?company=tiktok&year=2019&format=atom")
        feed = ET.fromstring(response.content)
        entries = list(feed.iter(f"{ATOM}entry"))
        assert len(entries) == 1
        violation = Violation.objects.get()
        assert entries[0].find(f"{ATOM}link").get("href").endswith(violation.get_absolute_url())
        assert client.get("/violations/?year=2005&format=atom").content.count(b"<entry>") == 0

    def test_bad_filters_in_a_feed_are_a_400_with_the_reason(self, client):
        response = client.get("/violations/?year=abc&format=atom")
        assert response.status_code == 400
        assert "year: Enter a year as four digits" in response.content.decode()


@pytest.mark.django_db
def test_search_errors_and_empty_results(client):
    response = client.get("/search/", {"q": "   "})
    assert response.status_code == 400
    assert "Type a company" in response.content.decode()
    response = client.get("/search/", {"q": "x" * 201})
    assert response.status_code == 400
    response = client.get("/search/", {"q": "tik\x00tok"})
    assert response.status_code == 400
    assert "null character" in response.content.decode()
    html = client.get("/search/", {"q": "zzzzqqq"}).content.decode()
    assert "Nothing matches “zzzzqqq”" in html
    assert client.get("/search/").status_code == 200


@pytest.mark.django_db
def test_search_leaves_out_unpublished_records(client):
    CompanyFactory(name="Quietcorp", is_published=False)
    ViolationFactory(description="quietcorp matter", is_published=False)
    html = client.get("/search/", {"q": "Quietcorp"}).content.decode()
    assert "Nothing matches" in html


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgres_search_tolerates_misspelt_company_names():
    company = CompanyFactory(name="ByteDance")
    CompanyAliasFactory(company=company, name="Bytedance Technology")
    results = public_selectors.search("bytedanse")
    assert results.method == "postgres"
    assert results.companies == [company]


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgres_search_ranks_title_matches_first():
    from tests.factories import LawsuitFactory

    in_title = LawsuitFactory(title="Biometric privacy class action", summary="")
    in_summary = LawsuitFactory(title="Doe v. Someone", summary="mentions biometric data once")
    results = public_selectors.search("biometric")
    assert results.lawsuits == [in_title, in_summary]


@pytest.mark.django_db
def test_feed_entries_escape_html_in_descriptions(client):
    ViolationFactory(description="<script>alert(1)</script>")
    body = client.get("/feeds/latest/").content.decode()
    assert "<script>" not in body
    feed = ET.fromstring(body)
    summary = next(feed.iter(f"{ATOM}entry")).find(f"{ATOM}summary").text
    assert "&lt;script&gt;" in summary  # still escaped once the XML is read: shown as text


def test_bar_chart_scales_to_the_largest_value_and_describes_itself():
    chart = bar_chart(
        "t",
        "Title",
        [ChartRow("2019", Decimal(25), "$25"), ChartRow("2020", Decimal(100), "$100")],
        unit="USD",
    )
    assert [bar.width for bar in chart.bars] == [100.0, 400.0]
    assert chart.summary == "2 bars (USD). Largest: 2020, $100."
    assert bar_chart("e", "Empty", []).is_empty
    rows = [ChartRow("a", Decimal("0.001"), ""), ChartRow("b", Decimal(1000), "")]
    tiny = bar_chart("x", "T", rows)
    assert tiny.bars[0].width == 2  # small but not invisible
    long_name = "Very Long Company Name Holdings International Limited"
    [bar] = bar_chart("l", "T", [ChartRow(long_name, Decimal(1), "≈ $1,310,090,700")]).bars
    assert bar.label.endswith("…") and long_name.startswith(bar.label[:-1])
    assert (len(bar.label) + len(bar.row.value_text)) * 8.2 < 400  # label clear of value
