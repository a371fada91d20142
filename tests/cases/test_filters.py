"""The public FilterSets: every parameter narrows as documented, bad input is an error."""

import datetime
from decimal import Decimal

import pytest
from django.http import QueryDict

from cases.filters import LawsuitFilterSet, SettlementFilterSet, ViolationFilterSet
from cases.models import Lawsuit, Settlement, Violation
from tests.factories import (
    AuthorityFactory,
    CompanyAliasFactory,
    CompanyFactory,
    ExchangeRateFactory,
    LawFactory,
    LawsuitFactory,
    SettlementFactory,
    ViolationFactory,
)


def run(filterset_class, query: str):
    model = filterset_class._meta.model
    filterset = filterset_class(QueryDict(query), queryset=model.objects.published())
    return filterset, list(filterset.qs)


@pytest.mark.usefixtures("seed")
class TestSeedScenarios:
    def test_tiktok_settlements_in_2021_give_the_92_million_settlement(self):
        filterset, rows = run(SettlementFilterSet, "company=tiktok&year=2021")
        assert filterset.is_valid()
        assert [s.amount for s in rows] == [Decimal("92000000.00")]

    def test_tiktok_violations_in_2019_include_musically_through_the_family(self):
        _, rows = run(ViolationFilterSet, "company=tiktok&year=2019")
        assert [(v.company.slug, v.amount) for v in rows] == [("musical-ly", Decimal("5700000"))]

    def test_bytedance_family_rollup_reaches_the_grandchild(self):
        _, rows = run(ViolationFilterSet, "company=bytedance")
        assert [v.company.slug for v in rows] == ["musical-ly"]

    def test_switching_subsidiaries_off_leaves_only_the_company_itself(self):
        _, rows = run(ViolationFilterSet, "company=tiktok&include_subsidiaries=0")
        assert rows == []
        _, rows = run(ViolationFilterSet, "company=musical-ly&include_subsidiaries=0")
        assert len(rows) == 1

    def test_other_years_are_excluded(self):
        assert run(SettlementFilterSet, "company=tiktok&year=2020")[1] == []
        assert run(ViolationFilterSet, "company=tiktok&year=2021")[1] == []


@pytest.mark.django_db
class TestRecordParameters:
    def test_year_range_is_inclusive_at_both_ends(self):
        early = ViolationFactory(decided_on=datetime.date(2018, 1, 1))
        middle = ViolationFactory(decided_on=datetime.date(2019, 12, 31))
        late = ViolationFactory(decided_on=datetime.date(2021, 6, 1))
        _, rows = run(ViolationFilterSet, "year_from=2018&year_to=2019")
        assert set(rows) == {early, middle}
        _, rows = run(ViolationFilterSet, "year_from=2020")
        assert rows == [late]
        _, rows = run(ViolationFilterSet, "year_to=2018")
        assert rows == [early]

    def test_amounts_compare_in_usd_across_currencies(self):
        ExchangeRateFactory(currency="EUR", year=2019, usd_per_unit=Decimal("1.10"))
        euros = ViolationFactory(amount=Decimal("1000000"), currency="EUR")  # ≈ $1.1M
        dollars = ViolationFactory(amount=Decimal("1050000"), currency="USD")
        _, rows = run(ViolationFilterSet, "amount_min=1060000")
        assert rows == [euros]
        _, rows = run(ViolationFilterSet, "amount_max=1060000")
        assert rows == [dollars]
        _, rows = run(ViolationFilterSet, "amount_min=1000000&amount_max=2000000&sort=amount")
        assert rows == [dollars, euros]

    def test_currency_authority_law_country_kind_status(self):
        cnil = AuthorityFactory(slug="cnil", country="FR")
        gdpr = LawFactory(slug="gdpr")
        ExchangeRateFactory(currency="EUR", year=2019)
        match = ViolationFactory(
            authority=cnil,
            currency="EUR",
            kind=Violation.Kind.CIVIL_PENALTY,
            status=Violation.Status.APPEALED,
        )
        match.laws.add(gdpr)
        other = ViolationFactory()
        for query in [
            "currency=EUR",
            "authority=cnil",
            "law=gdpr",
            "country=FR",
            "kind=civil_penalty",
            "status=appealed",
        ]:
            filterset, rows = run(ViolationFilterSet, query)
            assert filterset.is_valid(), query
            assert rows == [match], query
        assert run(ViolationFilterSet, "country=US")[1] == [other]

    def test_settlement_parameters_look_through_the_lawsuit(self):
        court = AuthorityFactory(slug="nd-cal", country="US")
        bipa = LawFactory(slug="bipa")
        lawsuit = LawsuitFactory(authority=court, kind=Lawsuit.Kind.REGULATORY)
        lawsuit.laws.add(bipa)
        match = SettlementFactory(lawsuit=lawsuit, status=Settlement.Status.PAID)
        SettlementFactory()
        for query in ["authority=nd-cal", "law=bipa", "kind=regulatory", "status=paid"]:
            assert run(SettlementFilterSet, query)[1] == [match], query

    def test_words_match_titles_descriptions_and_company_aliases(self):
        company = CompanyFactory(name="Zeta Corp")
        CompanyAliasFactory(company=company, name="Zeta Holdings Ltd")
        violation = ViolationFactory(company=company, description="Tracked children")
        lawsuit = LawsuitFactory(title="Doe v. Omega", defendants=[company])
        settlement = SettlementFactory(lawsuit=lawsuit, summary="A fund for users")
        ViolationFactory(description="unrelated")
        assert run(ViolationFilterSet, "q=holdings")[1] == [violation]
        assert run(ViolationFilterSet, "q=CHILDREN")[1] == [violation]
        assert run(SettlementFilterSet, "q=holdings")[1] == [settlement]
        assert run(SettlementFilterSet, "q=omega")[1] == [settlement]
        assert run(LawsuitFilterSet, "q=zeta corp")[1] == [lawsuit]

    def test_sort_orders(self):
        alpha = CompanyFactory(name="Alpha")
        beta = CompanyFactory(name="Beta")
        small_new = ViolationFactory(
            company=beta, amount=Decimal(10), decided_on=datetime.date(2022, 1, 1)
        )
        big_old = ViolationFactory(
            company=alpha, amount=Decimal(99), decided_on=datetime.date(2018, 1, 1)
        )
        expected = {
            "": [small_new, big_old],
            "sort=-date": [small_new, big_old],
            "sort=date": [big_old, small_new],
            "sort=-amount": [big_old, small_new],
            "sort=amount": [small_new, big_old],
            "sort=company": [big_old, small_new],
            "sort=-company": [small_new, big_old],
        }
        for query, rows in expected.items():
            assert run(ViolationFilterSet, query)[1] == rows, query

    def test_settlements_sort_by_their_first_defendant(self):
        first = SettlementFactory(lawsuit=LawsuitFactory(defendants=[CompanyFactory(name="Aa")]))
        second = SettlementFactory(lawsuit=LawsuitFactory(defendants=[CompanyFactory(name="Zz")]))
        assert run(SettlementFilterSet, "sort=company")[1] == [first, second]
        assert run(SettlementFilterSet, "sort=-company")[1] == [second, first]

    def test_undated_settlements_come_last_when_newest_first(self):
        undated = SettlementFactory(announced_on=None)
        dated = SettlementFactory(announced_on=datetime.date(2020, 5, 5))
        assert run(SettlementFilterSet, "")[1] == [dated, undated]


@pytest.mark.django_db
class TestLawsuitAmounts:
    def test_amounts_and_currency_use_published_settlements_only(self):
        ExchangeRateFactory(currency="EUR", year=2021, usd_per_unit=Decimal("1.20"))
        big = LawsuitFactory()
        SettlementFactory(lawsuit=big, amount=Decimal(600), currency="EUR")  # ≈ $720
        SettlementFactory(lawsuit=big, amount=Decimal(400))
        hidden = LawsuitFactory()
        SettlementFactory(lawsuit=hidden, amount=Decimal(5000), is_published=False)
        assert run(LawsuitFilterSet, "amount_min=1000")[1] == [big]
        assert run(LawsuitFilterSet, "currency=EUR")[1] == [big]
        assert set(run(LawsuitFilterSet, "amount_max=100")[1]) == {hidden}
        assert run(LawsuitFilterSet, "sort=-amount")[1] == [big, hidden]


BAD_INPUT = [
    ("year=abc", "year", "four digits"),
    ("year=1066", "year", "from 1900"),
    ("year=2021.5", "year", "four digits"),
    ("amount_min=-5", "amount_min", "0 or more"),
    ("amount_max=lots", "amount_max", "as a number"),
    ("amount_min=NaN", "amount_min", "as a number"),
    ("amount_min=1e400", "amount_min", "too large"),
    ("company=no-such-company", "company", "no-such-company"),
    ("sort=drop table", "sort", "Sort by one of"),
    ("currency=dollars", "currency", "three-letter"),
    ("authority=nowhere", "authority", "nowhere"),
    ("law=no-law", "law", "no-law"),
    ("country=Narnia", "country", "two-letter"),
    ("kind=bribe", "kind", "Use one of"),
    ("status=maybe", "status", "Use one of"),
    ("include_subsidiaries=yes", "include_subsidiaries", "Use 1"),
    ("year_from=2022&year_to=2020", "year_to", "before"),
    ("amount_min=10&amount_max=5", "amount_max", "smaller"),
    ("q=" + "x" * 201, "q", "200 characters"),
]


RECORD_FILTERSETS = [SettlementFilterSet, ViolationFilterSet, LawsuitFilterSet]


@pytest.mark.django_db
@pytest.mark.parametrize("filterset_class", RECORD_FILTERSETS)
@pytest.mark.parametrize(("query", "field", "message"), BAD_INPUT)
def test_bad_input_is_an_error_at_its_field_and_an_empty_result(
    filterset_class, query, field, message
):
    SettlementFactory()
    ViolationFactory()
    filterset, rows = run(filterset_class, query)
    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]
    assert message in " ".join(filterset.errors[field])
    assert rows == []


@pytest.mark.django_db
def test_unpublished_companies_cannot_be_named():
    company = CompanyFactory(slug="secret", is_published=False)
    ViolationFactory(company=company)
    filterset, rows = run(ViolationFilterSet, "company=secret")
    assert "company" in filterset.errors
    assert rows == []


@pytest.mark.django_db
def test_valid_parameters_do_not_report_errors_and_unfiltered_shows_all():
    SettlementFactory()
    filterset, rows = run(SettlementFilterSet, "")
    assert filterset.is_valid()
    assert not filterset.is_filtered
    assert len(rows) == 1
    assert run(SettlementFilterSet, "sort=amount")[0].is_filtered is False
    assert run(SettlementFilterSet, "year=2021")[0].is_filtered is True


def test_parameter_names_are_listed_for_reuse_by_the_api():
    expected = {
        "q", "company", "include_subsidiaries", "year", "year_from", "year_to", "amount_min",
        "amount_max", "currency", "authority", "law", "country", "kind", "status", "sort",
    }  # fmt: skip
    for filterset_class in (SettlementFilterSet, ViolationFilterSet, LawsuitFilterSet):
        assert set(filterset_class.parameter_names()) == expected
    unknown = SettlementFilterSet.unknown_parameters(
        QueryDict("year=2020&page=2&colour=red&format=csv"), allowed=("page", "format")
    )
    assert unknown == ["colour"]
