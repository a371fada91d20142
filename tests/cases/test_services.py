import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import ExchangeRate, Settlement, Violation
from cases.services import (
    exchange_rate_set,
    record_update,
    refresh_amounts_usd,
    settlement_create,
    settlement_upsert,
    source_get_or_create,
)
from core.services import Outcome, records_set_published
from tests.factories import LawsuitFactory, SettlementFactory, ViolationFactory

pytestmark = pytest.mark.django_db


def test_creating_a_settlement_derives_its_usd_value_from_the_year_rate():
    exchange_rate_set(currency="EUR", year=2020, usd_per_unit=Decimal("1.1422"))
    exchange_rate_set(currency="EUR", year=2021, usd_per_unit=Decimal("1.1827"))
    settlement = settlement_create(
        lawsuit=LawsuitFactory(),
        amount=Decimal("1000000"),
        currency="EUR",
        announced_on=datetime.date(2021, 6, 1),
    )
    assert settlement.amount_usd == Decimal("1182700.00")


def test_usd_value_uses_the_nearest_earlier_year_and_is_blank_without_any_rate():
    exchange_rate_set(currency="EUR", year=2019, usd_per_unit=Decimal("1.12"))
    later = ViolationFactory(
        currency="EUR", amount=Decimal(100), decided_on=datetime.date(2023, 5, 1)
    )
    assert later.amount_usd == Decimal("112.00")
    unknown = ViolationFactory(currency="CHF", amount=Decimal(100))
    assert unknown.amount_usd is None


def test_changing_a_rate_re_derives_existing_records():
    exchange_rate_set(currency="GBP", year=2019, usd_per_unit=Decimal("1.2"))
    violation = ViolationFactory(currency="GBP", amount=Decimal(1000))
    assert violation.amount_usd == Decimal("1200.00")
    exchange_rate_set(currency="GBP", year=2019, usd_per_unit=Decimal("1.3"))
    violation.refresh_from_db()
    assert violation.amount_usd == Decimal("1300.00")


def test_usd_amounts_stay_themselves():
    settlement = SettlementFactory(amount=Decimal("92000000"), currency="USD")
    assert settlement.amount_usd == Decimal("92000000.00")


def test_record_update_re_validates_and_re_derives():
    exchange_rate_set(currency="EUR", year=2021, usd_per_unit=Decimal("1.2"))
    settlement = SettlementFactory(currency="USD", amount=Decimal(10))
    record_update(settlement, currency="EUR", amount=Decimal(100))
    settlement.refresh_from_db()
    assert (settlement.currency, settlement.amount_usd) == ("EUR", Decimal("120.00"))


def test_upsert_reports_created_then_unchanged_then_updated():
    lawsuit = LawsuitFactory()
    _, first = settlement_upsert(
        lawsuit=lawsuit, amount=Decimal(5), currency="USD", status="proposed"
    )
    _, second = settlement_upsert(
        lawsuit=lawsuit, amount=Decimal(5), currency="USD", status="proposed"
    )
    _, third = settlement_upsert(lawsuit=lawsuit, amount=Decimal(5), currency="USD", status="paid")
    assert (first, second, third) == (Outcome.CREATED, Outcome.UNCHANGED, Outcome.UPDATED)
    assert Settlement.objects.get().status == "paid"


def test_sources_are_shared_by_address():
    first = source_get_or_create(url="https://example.org/a", title="A")
    second = source_get_or_create(url="https://example.org/a", title="A")
    assert first.pk == second.pk


def test_publishing_in_bulk_records_history_for_each_record():
    violations = ViolationFactory.create_batch(3, is_published=False)
    before = Violation.history.count()
    assert records_set_published(Violation.objects.all(), True) == 3
    assert Violation.objects.published().count() == 3
    assert Violation.history.count() == before + 3
    # Publishing what is already published changes nothing.
    assert records_set_published(Violation.objects.filter(pk=violations[0].pk), True) == 0


def test_re_deriving_a_currency_costs_the_same_queries_for_3_or_30_records():
    def queries_to_refresh(count: int) -> int:
        ViolationFactory.create_batch(count, currency="CHF", amount=Decimal(10))
        ExchangeRate.objects.update_or_create(
            currency="CHF", year=2019, defaults={"usd_per_unit": Decimal(count)}
        )
        with CaptureQueriesContext(connection) as captured:
            assert refresh_amounts_usd("CHF") == Violation.objects.filter(currency="CHF").count()
        return len(captured)

    assert queries_to_refresh(3) == queries_to_refresh(30)
    assert set(Violation.objects.values_list("amount_usd", flat=True)) == {Decimal("300.00")}


def test_many_rates_re_derive_each_changed_currency_once(monkeypatch):
    violation = ViolationFactory(
        currency="GBP", amount=Decimal(1000), decided_on=datetime.date(2019, 6, 1)
    )
    passes = []
    real_refresh = services.refresh_amounts_usd

    def counted_refresh(currency):
        passes.append(currency)
        return real_refresh(currency)

    monkeypatch.setattr(services, "refresh_amounts_usd", counted_refresh)
    gbp_years = [
        {"currency": "GBP", "year": year, "usd_per_unit": Decimal("1.25")}
        for year in range(2015, 2023)
    ]
    rates = [*gbp_years, {"currency": "EUR", "year": 2019, "usd_per_unit": Decimal("1.1")}]
    services.exchange_rates_set(rates)
    assert sorted(passes) == ["EUR", "GBP"]
    violation.refresh_from_db()
    assert violation.amount_usd == Decimal("1250.00")
    # Setting the same rates again changes nothing and re-derives nothing.
    services.exchange_rates_set(rates)
    assert sorted(passes) == ["EUR", "GBP"]
