"""CSV exports: exactly the filtered rows, streamed in chunks, safe for spreadsheets."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from cases import exports
from core.dates import DatePrecision
from tests.factories import (
    CompanyFactory,
    LawFactory,
    LawsuitFactory,
    SettlementFactory,
    ViolationFactory,
)


def read_csv(response) -> list[dict]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def page_record_ids(client, url: str, marker: str) -> set[str]:
    html = client.get(url).content.decode()
    return {part.split("/")[0] for part in html.split(f'href="/{marker}/')[1:] if part[0].isdigit()}


@pytest.mark.django_db
def test_csv_holds_exactly_the_rows_of_the_filtered_list(client):
    acme = CompanyFactory(slug="acme")
    for year in (2018, 2019, 2019, 2020):
        ViolationFactory(company=acme, decided_on=datetime.date(year, 3, 1))
    ViolationFactory(decided_on=datetime.date(2019, 3, 1))  # another company
    ViolationFactory(company=acme, decided_on=datetime.date(2019, 4, 1), is_published=False)
    query = "company=acme&year=2019"
    response = client.get(f"/violations/?{query}&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="violations.csv"'
    rows = read_csv(response)
    assert len(rows) == 2
    assert {row["id"] for row in rows} == page_record_ids(
        client, f"/violations/?{query}", "violations"
    )
    assert all(row["company_slug"] == "acme" for row in rows)
    assert all(row["url"].startswith("http://testserver/violations/") for row in rows)


@pytest.mark.django_db
def test_csv_follows_the_sort_and_writes_dates_at_their_precision(client):
    SettlementFactory(
        amount=Decimal(5),
        announced_on=datetime.date(2019, 2, 1),
        announced_on_precision=DatePrecision.MONTH,
    )
    SettlementFactory(
        amount=Decimal(9),
        announced_on=datetime.date(2020, 1, 1),
        announced_on_precision=DatePrecision.YEAR,
    )
    rows = read_csv(client.get("/settlements/?sort=amount&format=csv"))
    assert [(row["amount"], row["announced_on"]) for row in rows] == [
        ("5.00", "2019-02"),
        ("9.00", "2020"),
    ]


@pytest.mark.django_db
def test_csv_leaves_out_unpublished_companies_and_laws(client):
    shown, hidden = CompanyFactory(slug="shown"), CompanyFactory(slug="hidden", is_published=False)
    lawsuit = LawsuitFactory(defendants=[shown, hidden])
    lawsuit.laws.add(
        LawFactory(slug="public-law"), LawFactory(slug="draft-law", is_published=False)
    )
    SettlementFactory(lawsuit=lawsuit)
    [row] = read_csv(client.get("/settlements/?format=csv"))
    assert row["defendants"] == "shown"
    assert row["laws"] == "public-law"


@pytest.mark.django_db
def test_csv_neutralises_formulas(client):
    ViolationFactory(description='=HYPERLINK("http://evil")')
    [row] = read_csv(client.get("/violations/?format=csv"))
    assert row["description"].startswith("'=")


@pytest.mark.django_db
def test_csv_streams_in_chunks_without_losing_rows(client, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 3)
    created = {str(v.pk) for v in ViolationFactory.create_batch(8)}
    rows = read_csv(client.get("/violations/?format=csv"))
    assert {row["id"] for row in rows} == created
    assert len(rows) == 8


@pytest.mark.django_db
def test_csv_with_bad_filters_is_a_400_listing_them(client):
    response = client.get("/settlements/?year=abc&amount_min=-5&format=csv")
    assert response.status_code == 400
    body = response.content.decode()
    assert "- year: Enter a year as four digits, e.g. 2021." in body
    assert "- amount_min:" in body


@pytest.mark.usefixtures("seed")
def test_company_list_csv_has_totals(client):
    rows = read_csv(client.get("/companies/?format=csv"))
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["musical-ly"]["violations_usd_approx"] == "5700000.00"
    assert by_slug["tiktok"]["settlements_usd_approx"] == "92000000.00"
    assert by_slug["tiktok"]["parent_slug"] == "bytedance"


@pytest.mark.django_db
def test_csv_leaves_out_unpublished_authorities_parents_and_lawsuits(client):
    from tests.factories import AuthorityFactory

    court = AuthorityFactory(name="Quiet Court", slug="quiet-court", is_published=False)
    SettlementFactory(lawsuit=LawsuitFactory(authority=court))
    parent = CompanyFactory(slug="hidden-parent", is_published=False)
    ViolationFactory(
        company=CompanyFactory(parent=parent),
        lawsuit=LawsuitFactory(slug="hidden-case", is_published=False),
    )
    [settlement] = read_csv(client.get("/settlements/?format=csv"))
    assert settlement["authority"] == "" and settlement["authority_slug"] == ""
    [violation] = read_csv(client.get("/violations/?format=csv"))
    assert violation["parent_company_slug"] == ""
    assert violation["lawsuit_slug"] == ""
