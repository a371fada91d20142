"""The order of PostgreSQL search results, and that ranking changed no match.

Records whose own words match come first (best ``ts_rank`` of their own text, then newest),
then records found only through a company's name: the most similar company name first, each
company's newest records first, each record once. The set of matches is still every public
record whose whole document (own text and company names) matches.
"""

import datetime

import pytest
from django.contrib.postgres.search import SearchQuery

from cases import public_selectors
from core.prepared import logged_statement
from tests.factories import (
    AuthorityFactory,
    CompanyAliasFactory,
    CompanyFactory,
    LawsuitFactory,
    SettlementFactory,
    ViolationFactory,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


def day(year: int, month: int = 1) -> datetime.date:
    return datetime.date(year, month, 1)


@pytest.fixture
def dataset():
    traders = CompanyFactory(name="Northwind Traders")
    holdings = CompanyFactory(name="Northwind Global Holdings")  # less similar to "Northwind"
    other = CompanyFactory(name="Plain Foods")
    hidden = CompanyFactory(name="Northwind Undisclosed Partners", is_published=False)
    agency = AuthorityFactory(name="Trade Agency", abbreviation="TRAG")
    violations = {
        "own_old": ViolationFactory(
            company=other, authority=agency, decided_on=day(2015), description="Northwind crates"
        ),
        "own_twice": ViolationFactory(
            company=other,
            authority=agency,
            decided_on=day(2010),
            description="Northwind crates mislabelled as Northwind pallets",
        ),
        "traders_new": ViolationFactory(company=traders, authority=agency, decided_on=day(2022)),
        "traders_old": ViolationFactory(
            company=traders, authority=agency, decided_on=day(2018), description="mislabelled"
        ),
        "holdings_newest": ViolationFactory(
            company=holdings, authority=agency, decided_on=day(2024)
        ),
    }
    ViolationFactory(company=traders, authority=agency, decided_on=day(2023), is_published=False)
    ViolationFactory(company=hidden, authority=agency, decided_on=day(2023))
    lawsuits = {
        "own": LawsuitFactory(
            title="Northwind shipping cartel",
            docket_number="A77 B",
            filed_on=day(2001),
            defendants=[other],
        ),
        "both": LawsuitFactory(
            title="Doe v. Several", filed_on=day(2005), defendants=[holdings, traders]
        ),
        "holdings": LawsuitFactory(
            title="Roe v. Holdings", filed_on=day(2020), defendants=[holdings]
        ),
        "hidden_defendant": LawsuitFactory(
            title="Poe v. Unknown", filed_on=day(1999), defendants=[hidden]
        ),
    }
    LawsuitFactory(title="Unpublished v. Traders", is_published=False, defendants=[traders])
    settlements = {
        "own": SettlementFactory(lawsuit=lawsuits["own"], announced_on=day(2002)),
        "both": SettlementFactory(lawsuit=lawsuits["both"], announced_on=day(2006)),
        "holdings": SettlementFactory(lawsuit=lawsuits["holdings"], announced_on=day(2021)),
    }
    return {"violations": violations, "lawsuits": lawsuits, "settlements": settlements}


def test_own_text_matches_first_then_companies_by_similarity_then_newest(dataset):
    results = public_selectors.search("Northwind")
    v, lawsuits, s = dataset["violations"], dataset["lawsuits"], dataset["settlements"]
    assert results.violations == [
        v["own_twice"],  # the word twice in its description: the better ts_rank
        v["own_old"],
        v["traders_new"],  # "Northwind Traders" is closer to the search than "… Holdings"
        v["traders_old"],
        v["holdings_newest"],  # newer, but of the less similar company
    ]
    # "both" is listed once, at the place of its best company; a hidden defendant's name
    # still finds its public lawsuit, as the whole document always did.
    assert results.lawsuits == [
        lawsuits["own"],
        lawsuits["both"],
        lawsuits["holdings"],
        lawsuits["hidden_defendant"],
    ]
    assert results.settlements == [s["own"], s["both"], s["holdings"]]


def test_several_words_split_between_the_company_name_and_the_own_text(dataset):
    v = dataset["violations"]
    results = public_selectors.search("northwind mislabelled")
    assert results.violations == [v["own_twice"], v["traders_old"]]


def test_a_quoted_phrase_matches_the_company_name_in_order(dataset):
    v, lawsuits = dataset["violations"], dataset["lawsuits"]
    results = public_selectors.search('"northwind traders"')
    assert results.violations == [v["traders_new"], v["traders_old"]]
    assert results.lawsuits == [lawsuits["both"]]
    assert public_selectors.search('"traders northwind"').violations == []


@pytest.mark.parametrize(
    "query", ["Northwind", "northwind mislabelled", '"northwind traders"', "Northwind -crates"]
)
def test_few_matches_are_ranked_directly_in_the_order_of_the_walk(dataset, query, monkeypatch):
    """Searches of several words that match few records rank them without walking the
    companies; both ways give the same order (forced here both ways for each search)."""
    walked = public_selectors.search(query)
    monkeypatch.setattr(public_selectors, "_few_matches", lambda model, count: True)
    ranked = public_selectors.search(query)
    monkeypatch.setattr(public_selectors, "_few_matches", lambda model, count: False)
    assert public_selectors.search(query) == walked
    assert (ranked.violations, ranked.lawsuits, ranked.settlements) == (
        walked.violations,
        walked.lawsuits,
        walked.settlements,
    )
    assert walked.violations


def test_only_searches_of_several_words_with_few_matches_skip_the_walk(dataset, monkeypatch):
    from cases.models import Lawsuit, Violation

    def few(query: str) -> bool:
        # limit=20: the own-text matches leave every page short, so each type is probed.
        _, counts = public_selectors._own_matches([Lawsuit, Violation], query, 20)
        return public_selectors._few_matches(Violation, counts[Violation])

    assert not few("Northwind")  # one word: walk
    assert few("northwind mislabelled")
    monkeypatch.setattr(public_selectors, "FEW_MATCHES", 1)
    assert not few("northwind mislabelled")  # 2 matches


def test_a_type_whose_own_text_fills_the_page_is_not_probed(dataset):
    from cases.models import Lawsuit, Violation

    # "northwind mislabelled": one own-text violation ("own_twice"), no own-text lawsuit.
    ids, counts = public_selectors._own_matches([Lawsuit, Violation], "northwind mislabelled", 1)
    assert ids[Violation] == [dataset["violations"]["own_twice"].pk]
    assert counts[Violation] is None  # the page of one is full: no probe
    assert ids[Lawsuit] == [] and counts[Lawsuit] == 0  # no lawsuit matches at all


def test_a_limited_page_is_the_start_of_the_full_order(dataset):
    full = public_selectors.search("Northwind")
    for limit in (1, 2, 3, 4):
        page = public_selectors.search("Northwind", limit=limit)
        assert page.violations == full.violations[:limit]
        assert page.lawsuits == full.lawsuits[:limit]
        assert page.settlements == full.settlements[:limit]


def test_a_record_under_several_matching_companies_is_listed_once():
    first = CompanyFactory(name="Contoso")
    second = CompanyFactory(name="Contoso Pacific Shipping")
    shared = LawsuitFactory(title="A v. B", filed_on=day(2010), defendants=[first, second])
    own = LawsuitFactory(title="C v. D", filed_on=day(2020), defendants=[second])
    # The first page of rows is the shared lawsuit twice (once per company): more are read.
    assert public_selectors.search("contoso", limit=2).lawsuits == [shared, own]


@pytest.mark.parametrize(
    "query",
    [
        "Northwind",
        "northwind mislabelled",
        '"northwind traders"',
        "TRAG",
        "crates",
        "Plain",
        "crates -plain",  # the own text matches, the whole document (company Plain) not
        '"cartel a77"',  # a phrase from the title into the docket: only in the own text
    ],
)
def test_the_matches_are_those_of_the_whole_document(dataset, query):
    """Ranking changed the order only: every public record whose whole stored document
    matches is found (the dataset is smaller than a page), and nothing else."""
    text = SearchQuery(query, search_type="websearch", config="english")
    results = public_selectors.search(query)
    expected = {
        "lawsuits": public_selectors.public_lawsuits(),
        "settlements": public_selectors.public_settlements(),
        "violations": public_selectors.public_violations(),
    }
    for group, queryset in expected.items():
        found = getattr(results, group)
        assert len(found) == len(set(found))
        assert set(found) == set(queryset.filter(search_document=text)), group


def test_unpublished_records_are_left_out(dataset):
    results = public_selectors.search("Northwind Undisclosed Partners")
    assert results.violations == []  # its company is not published
    assert results.lawsuits == [dataset["lawsuits"]["hidden_defendant"]]
    assert public_selectors.search("Unpublished").lawsuits == []


def companies_by_the_orm(query: str, limit: int) -> list:
    """The companies half of search as it was written with the ORM before it became one
    SQL statement that computes each similarity once: the reference for its order."""
    import re

    from django.contrib.postgres.search import TrigramSimilarity
    from django.db.models import F, FloatField, OuterRef, Q, Subquery, Value
    from django.db.models.functions import Coalesce

    from companies.models import Company, CompanyAlias

    alias_similarity = (
        CompanyAlias.objects.filter(company=OuterRef("pk"))
        .annotate(similarity=TrigramSimilarity("name", query))
        .order_by("-similarity")
        .values("similarity")[:1]
    )
    candidates = (
        Company.objects.filter(name__trigram_similar=query)
        .values("pk")
        .union(
            Company.objects.filter(name__iregex=re.escape(query)).values("pk"),
            CompanyAlias.objects.filter(name__trigram_similar=query).values("company"),
        )
    )
    threshold = public_selectors.TRIGRAM_THRESHOLD
    return list(
        Company.objects.published()
        .filter(pk__in=candidates)
        .annotate(
            name_similarity=TrigramSimilarity("name", query),
            alias_similarity=Coalesce(
                Subquery(alias_similarity, output_field=FloatField()),
                Value(0.0),
                output_field=FloatField(),
            ),
        )
        .filter(
            Q(name_similarity__gte=threshold)
            | Q(alias_similarity__gte=threshold)
            | Q(name__icontains=query)
        )
        .order_by(F("name_similarity").desc(), F("alias_similarity").desc(), "name")[:limit]
    )


def test_companies_found_and_ordered_as_the_orm_query_did():
    names = [
        "Northwind Traders",
        "Northwind",
        "Northwind Traders Holdings International",
        "Northwnd Logistics",
        "The Northwind Group (100% owned)",
        "north_wind Ltd",
        "Contoso",
        "Contoso Northwind Joint Venture",
        "Fabrikam",
        "Wide World Importers",
        "northXwind Partners",  # what "h_wind" or "0%" would match if "_" or "%" were wildcards
        "100x owned",
        "Back\\slash Co",
    ]
    companies = [CompanyFactory(name=name) for name in names]
    CompanyFactory(name="Northwind Hidden", is_published=False)
    CompanyAliasFactory(company=companies[6], name="Northwind Contoso")
    CompanyAliasFactory(company=companies[8], name="Fabrikam Northwinds")
    CompanyAliasFactory(company=companies[9], name="WWI")
    queries = ["Northwind", "northwnd", "Contoso", "WWI", "100%", "north_wind", "Trader", "zzz"]
    queries += ["h_wind", "0%", "k\\s", "(100%"]
    for query in queries:
        for limit in (3, 20):
            expected = [c.pk for c in companies_by_the_orm(query, limit)]
            assert [c.pk for c in public_selectors._similar_companies(query, limit)] == expected
    found = [c.name for c in public_selectors._similar_companies("Northwind", 20)]
    assert "Northwind Hidden" not in found
    assert found[0] == "Northwind"


def test_a_short_page_of_companies_still_breaks_ties_by_alias():
    """Alias similarity is computed only for the companies whose name is at least as similar
    as the page's last name match; the tie at that last place is still decided by alias."""
    names = ["Northwind", "Northwind Ab", "Northwind Cd", "Northwind Ef", "Zeta Corp", "Northwin"]
    companies = {name: CompanyFactory(name=name) for name in names}
    CompanyAliasFactory(company=companies["Northwind Ef"], name="Northwind")
    CompanyAliasFactory(company=companies["Zeta Corp"], name="Northwind Ab")
    for limit in (1, 2, 3, 4, 5, 20):
        expected = [c.pk for c in companies_by_the_orm("Northwind", limit)]
        assert [c.pk for c in public_selectors._similar_companies("Northwind", limit)] == expected
    found = [c.name for c in public_selectors._similar_companies("Northwind", 2)]
    assert found == ["Northwind", "Northwind Ef"]  # the alias wins the tie of the three
    assert "Zeta Corp" in [c.name for c in public_selectors._similar_companies("Northwind", 20)]


def test_the_matching_companies_are_read_once_for_every_record_type(dataset):
    """The three record types walk the same companies: one statement computes them (their
    similarity to the search is the costly part) and walks for every type."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        results = public_selectors.search("Northwind")
    statements = [logged_statement(q["sql"]) for q in queries.captured_queries]
    walks = [sql for sql in statements if "matching AS MATERIALIZED" in sql]
    assert len(walks) == 1
    assert results.violations and results.lawsuits and results.settlements


def test_a_search_finding_every_kind_of_result_runs_seven_statements(
    dataset, django_assert_num_queries
):
    """The companies (with their rows); the own-text matches of the three types (with their
    probes); the company walks; each type's rows; the defendants of all listed lawsuits."""
    with django_assert_num_queries(7):
        results = public_selectors.search("Northwind")
        assert results.companies and results.lawsuits and results.settlements
        assert results.violations
        # The defendants are loaded for the settlements' lawsuits too (no query per row).
        assert all(hasattr(s.lawsuit, "public_defendants") for s in results.settlements)
        assert all(hasattr(lawsuit, "public_defendants") for lawsuit in results.lawsuits)


def test_a_search_without_results_loads_no_rows(dataset, django_assert_num_queries):
    """The companies, the own-text matches and the walks find nothing: nothing is loaded."""
    with django_assert_num_queries(3):
        assert public_selectors.search("zzqxv").count == 0


def test_the_loaded_records_carry_what_the_public_querysets_give(
    dataset, django_assert_num_queries
):
    """The records are loaded through statements compiled once (the ids a parameter): the
    same fields, annotations and related rows as the public querysets, whichever search
    compiled them first, and nothing left to load while rendering."""

    def shown(record):
        lawsuit = getattr(record, "lawsuit", None) if not hasattr(record, "title") else record
        return (
            record.pk,
            type(record).__name__,
            getattr(record, "settled_usd", None),
            getattr(record, "amount", None),
            getattr(getattr(record, "company", None), "name", None),
            getattr(getattr(record, "authority", None), "name", None),
            lawsuit and (lawsuit.title, lawsuit.authority_id and lawsuit.authority.name),
            lawsuit and [link.company.name for link in lawsuit.public_defendants],
        )

    public_selectors.search("Roe")  # compiles the statements with other ids
    results = public_selectors.search("Northwind")
    expected = {
        "lawsuits": public_selectors.public_lawsuits(),
        "settlements": public_selectors.public_settlements(),
        "violations": public_selectors.public_violations(),
    }
    with django_assert_num_queries(0):
        found = {group: [shown(r) for r in getattr(results, group)] for group in expected}
    for group, queryset in expected.items():
        by_pk = queryset.in_bulk([row[0] for row in found[group]])
        assert found[group] == [shown(by_pk[row[0]]) for row in found[group]], group
    lawsuits = {row[0]: row for row in found["lawsuits"]}
    assert lawsuits[dataset["lawsuits"]["both"].pk][2]  # settled: the annotation is there
    assert lawsuits[dataset["lawsuits"]["both"].pk][7] == [
        "Northwind Global Holdings",
        "Northwind Traders",
    ]


def test_a_names_trigram_count_bounds_its_similarity():
    """similarity() is at most the smaller trigram count over the larger (the bound the
    search prunes with), and reaches it when the shorter string's trigrams are all shared;
    the stored count follows a rename."""
    from django.db import connection

    names = [
        "Northwind",
        "Northwind Traders",
        "northwind northwind northwind",
        "Ünïcode Straße GmbH",
        "!!!",
        "A",
        "X Æ A-12 (100% owned) — Ltd.",
        "Nörthwind",
    ]
    companies = [CompanyFactory(name=name) for name in names]
    companies[4].name = "Acme Northwind"
    companies[4].save()
    queries = ["Northwind", "northwind traders", "a", "!!!", "Straße", "Nortwind", "x æ"]
    bound = public_selectors.TRIGRAM_BOUND.format(
        count="company.name_trigram_count", query_count="cardinality(show_trgm(query))"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT query, company.name, similarity(company.name, query), {bound},
                       company.name_trigram_count = cardinality(show_trgm(company.name))
                FROM companies_company company, unnest(%(queries)s::text[]) query""",
            {"queries": queries},
        )
        rows = cursor.fetchall()
    assert len(rows) == len(names) * len(queries)
    assert all(count_is_current for *_, count_is_current in rows)
    assert all(similarity <= limit for _, _, similarity, limit, _ in rows)
    reached = {(query, name) for query, name, similarity, limit, _ in rows if similarity == limit}
    assert ("Northwind", "Northwind") in reached  # the same string: 1 of 1
    assert ("northwind traders", "Northwind") in reached  # all of the shorter's shared


def test_the_walk_reads_every_matching_company_when_the_first_run_out(monkeypatch):
    """The walk reads the WALKED_COMPANIES most similar companies first; when they have too
    few records of a type and more companies match, it reads them all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agency = AuthorityFactory(name="Trade Agency")
    CompanyFactory(name="Northwind")  # the most similar name, without any record
    holdings = CompanyFactory(name="Northwind Global Holdings")
    newer = ViolationFactory(company=holdings, authority=agency, decided_on=day(2020))
    older = ViolationFactory(company=holdings, authority=agency, decided_on=day(2010))
    expected = [newer.pk, older.pk]
    assert [v.pk for v in public_selectors.search("Northwind").violations] == expected

    monkeypatch.setattr(public_selectors, "WALKED_COMPANIES", 1)
    with CaptureQueriesContext(connection) as queries:
        found = public_selectors.search("Northwind", limit=1)
    statements = [logged_statement(q["sql"]) for q in queries.captured_queries]
    walks = [sql for sql in statements if "matching AS MATERIALIZED" in sql]
    assert len(walks) == 2  # the first read only "Northwind", which has no record
    assert [v.pk for v in found.violations] == expected[:1]
