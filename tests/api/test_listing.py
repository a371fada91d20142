"""A list page's defendants and sources (``api.listing``): the ones, and the order, a single
record's prefetched representation gives."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    CompanyFactory,
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
    violation = ViolationFactory(company=companies[0])
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


def test_list_defendants_are_the_published_ones_by_name_and_sources_newest_first(client, crowded):
    rows = client.get("/api/settlements/").json()["results"]
    by_lawsuit = {row["lawsuit"]: row for row in rows}
    crowded_row = by_lawsuit["crowded-suit"]
    assert crowded_row["defendants"] == ["apple", "mango", "zebra"]
    assert crowded_row["defendant_urls"] == [
        f"http://testserver/api/companies/{slug}/" for slug in ("apple", "mango", "zebra")
    ]
    # Source.Meta.ordering: newest first, title breaking the tie; PostgreSQL sorts an
    # unknown date first in a descending order, SQLite last.
    dated = ["Newest", "A story", "B story"]
    expected = ["Undated", *dated] if connection.vendor == "postgresql" else [*dated, "Undated"]
    assert [source["title"] for source in crowded_row["sources"]] == expected
    assert by_lawsuit["lonely-suit"]["defendants"] == ["zebra"]
    assert by_lawsuit["lonely-suit"]["sources"] == []


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
