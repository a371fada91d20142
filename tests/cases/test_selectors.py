import datetime
from decimal import Decimal

import pytest

from cases.models import Lawsuit, Settlement, Violation
from cases.selectors import company_record_by_year, company_totals, totals
from cases.services import exchange_rate_set
from companies.models import Company
from tests.factories import CompanyFactory, LawsuitFactory, SettlementFactory, ViolationFactory

pytestmark = pytest.mark.django_db


def test_totals_sum_per_currency_and_approximate_usd():
    exchange_rate_set(currency="EUR", year=2019, usd_per_unit=Decimal("1.1"))
    ViolationFactory(amount=Decimal(100), currency="EUR")
    ViolationFactory(amount=Decimal(300), currency="EUR")
    ViolationFactory(amount=Decimal(50), currency="USD")
    ViolationFactory(amount=Decimal(7), currency="CHF")  # no rate: counted, not in USD
    result = totals(Violation.objects.all())
    assert result.count == 4
    by_currency = {t.currency: (t.count, t.total) for t in result.by_currency}
    assert by_currency == {
        "EUR": (2, Decimal(400)),
        "USD": (1, Decimal(50)),
        "CHF": (1, Decimal(7)),
    }
    assert result.usd_approximate == Decimal("490.00")
    assert result.without_usd == 1


def test_the_seed_family_rollup(seed):
    bytedance = Company.objects.get(slug="bytedance")
    tiktok = Company.objects.get(slug="tiktok")
    musically = Company.objects.get(slug="musical-ly")
    # ByteDance's family includes TikTok and Musical.ly, so both seed records roll up to it.
    assert set(Company.objects.family_of(bytedance)) == {bytedance, tiktok, musically}
    assert Violation.objects.for_company(bytedance).count() == 1
    assert Violation.objects.for_company(bytedance, include_family=False).count() == 0
    assert Violation.objects.for_company(tiktok).count() == 1
    assert Settlement.objects.for_company(tiktok).count() == 1
    assert Settlement.objects.for_company(musically).count() == 0
    assert Lawsuit.objects.for_company(bytedance).count() == 1


def test_company_record_by_year_and_totals(seed):
    bytedance = Company.objects.get(slug="bytedance")
    by_year = company_record_by_year(bytedance)
    assert [(r.year, r.settlements, r.violations) for r in by_year] == [(2019, 0, 1), (2021, 1, 0)]
    assert by_year[0].violations_usd == Decimal("5700000.00")
    assert by_year[1].total_usd == Decimal("92000000.00")
    company = company_totals(bytedance)
    assert company.usd_approximate == Decimal("97700000.00")
    assert company_totals(bytedance, include_family=False).settlements.count == 1


def test_unpublished_records_are_left_out_of_public_reads():
    company = CompanyFactory()
    ViolationFactory(company=company, is_published=False, decided_on=datetime.date(2020, 1, 1))
    SettlementFactory(lawsuit=LawsuitFactory(defendants=[company]), is_published=False)
    assert company_record_by_year(company) == []
    assert company_totals(company).settlements.count == 0
    assert len(company_record_by_year(company, published_only=False)) == 2
