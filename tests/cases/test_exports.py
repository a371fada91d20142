"""CSV exports: exactly the filtered rows, streamed in chunks, safe for spreadsheets."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from cases import csv_layout, exports
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
    monkeypatch.setattr(csv_layout, "CHUNK_SIZE", 3)
    monkeypatch.setattr(exports, "ROWS_PER_WRITE", 2)
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


@pytest.mark.django_db
def test_violation_csv_row_has_every_column_in_the_documented_layout(client):
    from tests.factories import AuthorityFactory, SourceFactory

    parent = CompanyFactory(name="Parent Holdings", slug="parent-holdings")
    company = CompanyFactory(name="+Child Apps", slug="child-apps", parent=parent)
    agency = AuthorityFactory(name="Trade Agency", slug="trade-agency", country="FR")
    violation = ViolationFactory(
        company=company,
        authority=agency,
        lawsuit=LawsuitFactory(slug="agency-v-child"),
        kind="civil_penalty",
        status="appealed",
        amount=Decimal("5700000.50"),
        decided_on=datetime.date(2019, 2, 1),
        decided_on_precision=DatePrecision.MONTH,
        description="-5 % of turnover",
    )
    violation.laws.add(
        LawFactory(short_name="ZED", slug="zed-act"), LawFactory(short_name="ABC", slug="abc")
    )
    violation.sources.add(
        SourceFactory(url="https://b.example.org/old", published_on=datetime.date(2019, 1, 1)),
        SourceFactory(url="https://a.example.org/new", published_on=datetime.date(2019, 3, 1)),
        SourceFactory(url="", title="Print edition", published_on=datetime.date(2019, 2, 1)),
    )
    response = client.get("/violations/?format=csv")
    text = b"".join(response.streaming_content).decode()
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == csv_layout.VIOLATION_COLUMNS
    assert row == [
        "violation",
        str(violation.pk),
        f"http://testserver/violations/{violation.pk}/",
        "'+Child Apps",
        "child-apps",
        "parent-holdings",
        "Trade Agency",
        "trade-agency",
        "FR",
        "agency-v-child",
        "civil_penalty",
        "appealed",
        "5700000.50",
        "USD",
        "5700000.50",
        "2019-02",
        "abc|zed-act",  # laws by short name
        "'-5 % of turnover",
        "https://a.example.org/new|https://b.example.org/old",  # newest first, blank left out
        "1",
    ]


@pytest.mark.django_db
def test_settlement_csv_row_has_every_column_in_the_documented_layout(client):
    from tests.factories import AuthorityFactory, SourceFactory

    court = AuthorityFactory(name="@Court", slug="the-court", kind="court")
    lawsuit = LawsuitFactory(
        title="In re Apps",
        slug="in-re-apps",
        kind="regulatory",
        authority=court,
        docket_number="1:21-cv-7",
        defendants=[
            CompanyFactory(name="Zeta", slug="zeta"),
            CompanyFactory(name="Alpha", slug="alpha"),
            CompanyFactory(name="Hidden", slug="hidden", is_published=False),
        ],
    )
    lawsuit.laws.add(LawFactory(short_name="BIPA", slug="bipa"))
    settlement = SettlementFactory(
        lawsuit=lawsuit,
        status="final_approval",
        amount=Decimal("92000000"),
        announced_on=datetime.date(2021, 2, 25),
        approved_on=datetime.date(2022, 1, 1),
        approved_on_precision=DatePrecision.YEAR,
        claim_deadline=datetime.date(2022, 3, 1),
        class_description="US users",
        summary="=cash",
    )
    settlement.sources.add(SourceFactory(url="https://court.example.org/order"))
    text = b"".join(client.get("/settlements/?format=csv").streaming_content).decode()
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == csv_layout.SETTLEMENT_COLUMNS
    assert row == [
        "settlement",
        str(settlement.pk),
        f"http://testserver/settlements/{settlement.pk}/",
        "In re Apps",
        "in-re-apps",
        "regulatory",
        "alpha|zeta",  # published defendants by name
        "'@Court",
        "the-court",
        "1:21-cv-7",
        "bipa",
        "final_approval",
        "92000000.00",
        "USD",
        "92000000.00",
        "2021-02-25",
        "2022",
        "2022-03-01",
        "US users",
        "'=cash",
        "https://court.example.org/order",
        "1",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/violations/?format=csv", "/settlements/?format=csv"])
def test_csv_query_count_never_grows_per_row(client, monkeypatch, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(csv_layout, "CHUNK_SIZE", 3)

    def queries_for_export() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            rows = read_csv(client.get(url))
        return len(rows), len(queries)

    from tests.factories import SourceFactory

    def add_records(count):
        for _ in range(count):
            if "violations" in url:
                record = ViolationFactory()
                record.laws.add(LawFactory())
            else:
                record = SettlementFactory()
                record.lawsuit.laws.add(LawFactory())
            record.sources.add(SourceFactory())

    add_records(2)
    few_rows, few_queries = queries_for_export()
    add_records(10)
    many_rows, many_queries = queries_for_export()
    assert (few_rows, many_rows) == (2, 12)
    if connection.vendor == "postgresql":
        # The rows and each linked list stream from one query each, whatever their number.
        assert many_queries == few_queries
    else:
        # One query per linked list and chunk of 3 rows: 1 chunk for 2 rows, 4 for 12.
        lists = 2 if "violations" in url else 3  # laws, sources (and defendants)
        assert many_queries - few_queries == (4 - 1) * lists


@pytest.mark.django_db
def test_lists_stay_with_their_rows_across_chunks_and_shared_lawsuits(client, monkeypatch):
    monkeypatch.setattr(csv_layout, "CHUNK_SIZE", 2)
    shared = LawsuitFactory(defendants=[CompanyFactory(slug="shared-defendant")])
    for amount in (1, 2, 3):
        SettlementFactory(lawsuit=shared, amount=Decimal(amount))
    SettlementFactory(
        amount=Decimal(4), lawsuit=LawsuitFactory(defendants=[CompanyFactory(slug="alone")])
    )
    rows = read_csv(client.get("/settlements/?sort=amount&format=csv"))
    assert [(row["amount"], row["defendants"]) for row in rows] == [
        ("1.00", "shared-defendant"),
        ("2.00", "shared-defendant"),
        ("3.00", "shared-defendant"),
        ("4.00", "alone"),
    ]
    with_laws = [ViolationFactory(amount=Decimal(n)) for n in (10, 20, 30, 40, 50)]
    for violation in with_laws[::2]:  # every other one has a law named after its amount
        violation.laws.add(LawFactory(slug=f"law-{int(violation.amount)}"))
    rows = read_csv(client.get("/violations/?sort=amount&format=csv"))
    assert [row["laws"] for row in rows] == ["law-10", "", "law-30", "", "law-50"]
