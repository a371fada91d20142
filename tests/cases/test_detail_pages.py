"""Detail pages for lawsuits, settlements, violations, authorities and laws."""

import datetime
from decimal import Decimal

import pytest

from cases.models import Lawsuit, LawsuitRelation, Settlement
from core.dates import DatePrecision
from tests.factories import (
    AuthorityFactory,
    CompanyFactory,
    ExchangeRateFactory,
    LawFactory,
    LawsuitFactory,
    SettlementFactory,
    SourceFactory,
    ViolationFactory,
)


@pytest.mark.usefixtures("seed")
class TestSeedDetails:
    def test_lawsuit_page_has_every_part(self, client):
        html = client.get("/lawsuits/in-re-tiktok-consumer-privacy-litigation/").content.decode()
        for text in [
            "In re TikTok, Inc., Consumer Privacy Litigation",
            'href="/companies/tiktok/"',
            'href="/companies/bytedance/"',
            "U.S. District Court for the Northern District of Illinois",
            "MDL No. 2948",
            "Settled",
            'href="/laws/bipa/"',
            "Timeline",
            "Settlement of $92,000,000 announced",
            "February 2021",
            "https://www.tiktokdataprivacysettlement.com/",
        ]:
            assert text in html, text

    def test_settlement_page_shows_dates_at_their_precision(self, client):
        settlement = Settlement.objects.get()
        html = client.get(settlement.get_absolute_url()).content.decode()
        assert "$92,000,000" in html
        assert "February 2021" in html  # month precision
        assert ">2022<" in html  # approval known to the year only
        assert "2021-02-01" not in html

    def test_violation_and_authority_and_law_pages(self, client):
        html = client.get("/violations/").content.decode()
        assert "$5,700,000" in html
        authority = client.get("/authorities/ftc/").content.decode()
        assert "Federal Trade Commission" in authority and "$5,700,000" in authority
        law = client.get("/laws/coppa/").content.decode()
        assert "Children&#x27;s Online Privacy Protection Act" in law
        assert "$5,700,000" in law


@pytest.mark.django_db
def test_unknown_or_unpublished_details_are_404(client):
    hidden = LawsuitFactory(slug="hidden", is_published=False)
    settlement = SettlementFactory(lawsuit=hidden)
    violation = ViolationFactory(is_published=False)
    AuthorityFactory(slug="quiet", is_published=False)
    LawFactory(slug="draft", is_published=False)
    for path in [
        "/lawsuits/hidden/",
        settlement.get_absolute_url(),
        violation.get_absolute_url(),
        "/authorities/quiet/",
        "/laws/draft/",
        "/lawsuits/nothing/",
        "/settlements/999999/",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "There is no published record at this address" in response.content.decode()


@pytest.mark.django_db
def test_lawsuit_related_cases_and_non_usd_amounts(client):
    ExchangeRateFactory(currency="EUR", year=2021, usd_per_unit=Decimal("1.20"))
    first = LawsuitFactory(title="First case", kind=Lawsuit.Kind.REGULATORY)
    second = LawsuitFactory(title="Follow-on case")
    hidden = LawsuitFactory(title="Hidden case", is_published=False)
    LawsuitRelation.objects.create(
        from_lawsuit=second, to_lawsuit=first, kind=LawsuitRelation.Kind.FOLLOW_ON
    )
    LawsuitRelation.objects.create(
        from_lawsuit=hidden, to_lawsuit=first, kind=LawsuitRelation.Kind.SAME_CONDUCT
    )
    SettlementFactory(
        lawsuit=first,
        amount=Decimal(1_000_000),
        currency="EUR",
        announced_on=datetime.date(2021, 1, 1),
        announced_on_precision=DatePrecision.YEAR,
    )
    html = client.get(first.get_absolute_url()).content.decode()
    assert "Follow-on case" in html
    assert "Hidden case" not in html
    assert "€1,000,000" in html
    assert "≈ $1,200,000" in html
    second_html = client.get(second.get_absolute_url()).content.decode()
    assert "First case" in second_html


@pytest.mark.django_db
def test_sources_are_listed_and_escaped(client):
    source = SourceFactory(title="<script>x</script> Report", url="https://example.org/r")
    violation = ViolationFactory(description="Line one\n<em>two</em>")
    violation.sources.add(source)
    html = client.get(violation.get_absolute_url()).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt; Report" in html
    assert "&lt;em&gt;two&lt;/em&gt;" in html
    assert 'href="https://example.org/r"' in html


@pytest.mark.django_db
def test_unpublished_defendants_are_left_out(client):
    shown = CompanyFactory(name="Shown Inc")
    hidden = CompanyFactory(name="Hidden Inc", is_published=False)
    lawsuit = LawsuitFactory(defendants=[shown, hidden])
    html = client.get(lawsuit.get_absolute_url()).content.decode()
    assert "Shown Inc" in html
    assert "Hidden Inc" not in html
