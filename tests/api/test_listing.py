"""A list page's defendants and sources (``api.listing``): the ones, and the order, a single
record's prefetched representation gives."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    CompanyFactory,
    LawFactory,
    LawsuitFactory,
    SettlementFactory,
    SourceFactory,
    ViolationFactory,
)


@pytest.fixture
def crowded(db):
    """Records with several defendants (one unpublished) and dated sources, created in an
    order that is neither the names' nor the dates'."""
    names = ["Mango Corp", "Apple Ltd", "Zebra Inc", "Kiwi plc"]
    companies = [CompanyFactory(name=name, slug=name.split()[0].lower()) for name in names]
    companies[3].is_published = False
    companies[3].save()
    lawsuit = LawsuitFactory(slug="crowded-suit", defendants=companies)
    other = LawsuitFactory(slug="lonely-suit", defendants=[companies[2]])
    settlements = [SettlementFactory(lawsuit=lawsuit), SettlementFactory(lawsuit=other)]
    for day, published in ((20, True), (3, True), (9, False)):
        SettlementFactory(
            lawsuit=lawsuit, announced_on=datetime.date(2020, 6, day), is_published=published
        )
    violation = ViolationFactory(company=companies[0])
    laws = [LawFactory(short_name=name) for name in ("Wiretap Act", "BIPA", "GDPR", "VPPA")]
    laws[3].is_published = False
    laws[3].save()
    lawsuit.laws.add(*laws)
    violation.laws.add(*laws[::-1])
    dates = [datetime.date(2021, 5, 1), None, datetime.date(2023, 1, 9), datetime.date(2021, 5, 1)]
    titles = ["B story", "Undated", "Newest", "A story"]
    for record in (lawsuit, settlements[0], violation):
        for date, title in zip(dates, titles, strict=True):
            record.sources.add(SourceFactory(title=title, published_on=date))
    return {"lawsuit": lawsuit, "settlements": settlements, "violation": violation}


@pytest.mark.parametrize("endpoint", ["settlements", "violations", "lawsuits"])
def test_list_rows_carry_the_defendants_and_sources_of_their_own_pages(client, crowded, endpoint):
    rows = client.get(f"/api/{endpoint}/").json()["results"]
    assert rows
    for row in rows:
        detail = client.get(row["url"].removeprefix("http://testserver")).json()
        assert row == detail


def test_list_laws_and_settlements_are_the_published_ones_in_order(client, crowded):
    row = client.get("/api/lawsuits/").json()["results"]
    crowded_row = next(r for r in row if r["slug"] == "crowded-suit")
    by_name = ["BIPA", "GDPR", "Wiretap Act"]
    slugs = {law.short_name: law.slug for law in crowded["lawsuit"].laws.all()}
    assert crowded_row["laws"] == [slugs[name] for name in by_name]
    published = crowded["lawsuit"].settlements.filter(is_published=True)
    oldest_first = sorted(published, key=lambda s: (s.announced_on, s.pk))
    assert len(oldest_first) == 3
    assert crowded_row["settlements"] == [
        f"http://testserver/api/settlements/{s.pk}/" for s in oldest_first
    ]
    violation = client.get("/api/violations/").json()["results"][0]
    assert violation["laws"] == [slugs[name] for name in by_name]


def test_list_defendants_are_the_published_ones_by_name_and_sources_newest_first(client, crowded):
    rows = client.get("/api/settlements/").json()["results"]
    by_id = {row["id"]: row for row in rows}
    crowded_row = by_id[crowded["settlements"][0].pk]
    assert crowded_row["defendants"] == ["apple", "mango", "zebra"]
    assert crowded_row["defendant_urls"] == [
        f"http://testserver/api/companies/{slug}/" for slug in ("apple", "mango", "zebra")
    ]
    # Source.Meta.ordering: newest first, title breaking the tie; PostgreSQL sorts an
    # unknown date first in a descending order, SQLite last.
    dated = ["Newest", "A story", "B story"]
    expected = ["Undated", *dated] if connection.vendor == "postgresql" else [*dated, "Undated"]
    assert [source["title"] for source in crowded_row["sources"]] == expected
    lonely_row = by_id[crowded["settlements"][1].pk]
    assert (lonely_row["defendants"], lonely_row["sources"]) == (["zebra"], [])


def test_a_list_page_reads_its_defendants_and_sources_in_the_same_queries_however_many(
    client, crowded
):
    def queries_for_list():
        client.get("/api/settlements/")  # the summaries settle the writes first
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/settlements/").status_code == 200
        return len(queries)

    before = queries_for_list()
    for _ in range(3):
        settlement = SettlementFactory(lawsuit=LawsuitFactory(defendants=[CompanyFactory()]))
        settlement.sources.add(SourceFactory(), SourceFactory())
    assert queries_for_list() == before
