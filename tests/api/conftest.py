"""Records for the API tests: each filter value below keeps some rows and drops others."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from cases.models import Authority, Lawsuit, Settlement, Violation
from core.dates import DatePrecision
from tests.factories import (
    AuthorityFactory,
    CompanyAliasFactory,
    CompanyFactory,
    ExchangeRateFactory,
    LawFactory,
    LawsuitFactory,
    SettlementFactory,
    SourceFactory,
    ViolationFactory,
)


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Throttling counts requests in the cache; each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def records(db):
    ExchangeRateFactory(currency="EUR", year=2019, usd_per_unit=Decimal("1.12"))
    ExchangeRateFactory(currency="EUR", year=2020, usd_per_unit=Decimal("1.14"))
    alpha = CompanyFactory(name="Alpha Group", slug="alpha", country="US")
    alpha_sub = CompanyFactory(name="Alpha Sub", slug="alpha-sub", parent=alpha, country="US")
    beta = CompanyFactory(name="Beta Corp", slug="beta", country="FR")
    CompanyAliasFactory(company=beta, name="Beta Holdings SA")
    hidden_company = CompanyFactory(name="Hidden Co", slug="hidden", is_published=False)

    agency = AuthorityFactory(
        name="Trade Agency", slug="trade-agency", abbreviation="TRA", country="US"
    )
    french_dpa = AuthorityFactory(
        name="French DPA", slug="french-dpa", kind=Authority.Kind.DATA_PROTECTION, country="FR"
    )
    court = AuthorityFactory(
        name="District Court", slug="district-court", kind=Authority.Kind.COURT, country="US"
    )
    secret_board = AuthorityFactory(name="Secret Board", slug="secret-board", is_published=False)

    coppa = LawFactory(
        short_name="COPPA",
        slug="coppa",
        full_name="Children's Online Privacy Protection Act",
        jurisdiction="US",
    )
    gdpr = LawFactory(
        short_name="GDPR", slug="gdpr", full_name="General Data Protection Regulation",
        jurisdiction="EU",
    )  # fmt: skip
    bipa = LawFactory(
        short_name="BIPA", slug="bipa", full_name="Biometric Information Privacy Act",
        jurisdiction="US-IL",
    )  # fmt: skip
    hidden_law = LawFactory(short_name="HIDDEN", slug="hidden-law", is_published=False)

    v1 = ViolationFactory(
        company=alpha_sub,
        authority=agency,
        amount=Decimal("5000000"),
        decided_on=datetime.date(2019, 2, 27),
        description="Collected data from children without consent.",
    )
    v1.laws.add(coppa, hidden_law)
    v1.sources.add(SourceFactory(url="https://news.example.org/v1", title="V1 story"))
    v2 = ViolationFactory(
        company=beta,
        authority=french_dpa,
        amount=Decimal("1000000"),
        currency="EUR",
        decided_on=datetime.date(2020, 6, 1),
        decided_on_precision=DatePrecision.MONTH,
        status=Violation.Status.APPEALED,
        description="Cookies placed before consent.",
    )
    v2.laws.add(gdpr)
    v3 = ViolationFactory(
        company=alpha,
        authority=agency,
        amount=Decimal("200000"),
        kind=Violation.Kind.CIVIL_PENALTY,
        decided_on=datetime.date(2021, 1, 1),
        decided_on_precision=DatePrecision.YEAR,
        description="Misleading advertising.",
    )
    hidden_violation = ViolationFactory(company=alpha, authority=agency, is_published=False)
    ViolationFactory(company=hidden_company, authority=secret_board, is_published=False)

    l1 = LawsuitFactory(
        title="In re Alpha Biometrics",
        slug="in-re-alpha",
        defendants=[alpha_sub],
        authority=court,
        filed_on=datetime.date(2020, 1, 1),
        filed_on_precision=DatePrecision.YEAR,
        status=Lawsuit.Status.SETTLED,
        summary="Face scans collected as biometric data without notice.",
    )
    l1.laws.add(bipa)
    l2 = LawsuitFactory(
        title="Regulator v. Beta",
        slug="regulator-v-beta",
        kind=Lawsuit.Kind.REGULATORY,
        defendants=[beta, hidden_company],
        authority=french_dpa,
        filed_on=datetime.date(2019, 3, 4),
    )
    l2.laws.add(gdpr)
    hidden_lawsuit = LawsuitFactory(
        slug="hidden-suit", defendants=[alpha], authority=secret_board, is_published=False
    )

    s1 = SettlementFactory(
        lawsuit=l1,
        amount=Decimal("92000000"),
        status=Settlement.Status.FINAL_APPROVAL,
        announced_on=datetime.date(2021, 2, 1),
        announced_on_precision=DatePrecision.MONTH,
        approved_on=datetime.date(2022, 7, 28),
        summary="A fund for the class.",
    )
    s2 = SettlementFactory(
        lawsuit=l2,
        amount=Decimal("3000000"),
        currency="EUR",
        status=Settlement.Status.PRELIMINARY_APPROVAL,
        announced_on=datetime.date(2019, 1, 1),
        announced_on_precision=DatePrecision.YEAR,
        summary="Refunds for cookie consent failures.",
    )
    hidden_settlement = SettlementFactory(lawsuit=l1, amount=Decimal("1"), is_published=False)
    return {
        "alpha": alpha,
        "alpha-sub": alpha_sub,
        "beta": beta,
        "hidden": hidden_company,
        "trade-agency": agency,
        "french-dpa": french_dpa,
        "district-court": court,
        "secret-board": secret_board,
        "coppa": coppa,
        "gdpr": gdpr,
        "bipa": bipa,
        "hidden-law": hidden_law,
        "v1": v1,
        "v2": v2,
        "v3": v3,
        "hidden-violation": hidden_violation,
        "in-re-alpha": l1,
        "regulator-v-beta": l2,
        "hidden-suit": hidden_lawsuit,
        "s1": s1,
        "s2": s2,
        "hidden-settlement": hidden_settlement,
    }
