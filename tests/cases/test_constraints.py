"""Every rule that is a database constraint: refused by validation with a clear message,
and by the database itself when validation is bypassed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import ExchangeRate, Lawsuit, Settlement, Violation
from cases.services import settlement_create, violation_create
from core.dates import DatePrecision
from tests.factories import (
    AuthorityFactory,
    CompanyFactory,
    LawsuitFactory,
    SettlementFactory,
    SourceFactory,
    ViolationFactory,
)


def assert_db_refuses(model, **update):
    """The database itself refuses the value, even through a bare UPDATE."""
    record = model.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=record.pk).update(**update)


@pytest.mark.django_db
class TestMoney:
    def test_negative_amount_is_refused_with_a_clear_message(self):
        lawsuit = LawsuitFactory()
        with pytest.raises(ValidationError) as error:
            settlement_create(lawsuit=lawsuit, amount=Decimal("-1"), currency="USD")
        assert "The amount cannot be negative." in error.value.messages
        assert not Settlement.objects.exists()

    def test_negative_amount_is_refused_by_the_database(self):
        SettlementFactory()
        ViolationFactory()
        assert_db_refuses(Settlement, amount=Decimal("-5"))
        assert_db_refuses(Violation, amount=Decimal("-5"))

    def test_invalid_currency_is_refused_with_a_clear_message(self):
        with pytest.raises(ValidationError) as error:
            violation_create(
                company=CompanyFactory(),
                authority=AuthorityFactory(),
                kind=Violation.Kind.FINE,
                amount=Decimal(10),
                currency="ABC",
                decided_on=datetime.date(2020, 1, 1),
            )
        assert "currency" in error.value.message_dict
        assert not Violation.objects.exists()

    def test_invalid_currency_is_refused_by_the_database(self):
        SettlementFactory()
        ViolationFactory()
        assert_db_refuses(Settlement, currency="ZZZ")
        assert_db_refuses(Violation, currency="usd")

    def test_exchange_rate_must_be_positive(self):
        ExchangeRate.objects.create(currency="EUR", year=2020, usd_per_unit=Decimal("1.1"))
        assert_db_refuses(ExchangeRate, usd_per_unit=Decimal(0))


@pytest.mark.django_db
class TestNaturalKeys:
    def test_same_violation_twice_is_refused(self):
        violation = ViolationFactory()
        with pytest.raises(ValidationError) as error:
            violation_create(
                company=violation.company,
                authority=violation.authority,
                decided_on=violation.decided_on,
                amount=violation.amount,
                currency="USD",
                kind=Violation.Kind.FINE,
            )
        assert "already has a penalty of this amount" in str(error.value)

    def test_docket_number_is_unique_per_authority_when_known(self):
        first = LawsuitFactory(docket_number="1:20-cv-04699")
        duplicate = LawsuitFactory.build(
            authority=first.authority, docket_number="1:20-cv-04699", slug="other"
        )
        with pytest.raises(ValidationError, match="docket number"):
            duplicate.full_clean()
        # Unknown docket numbers do not collide.
        LawsuitFactory(authority=first.authority, docket_number="")
        LawsuitFactory(authority=first.authority, docket_number="")
        assert Lawsuit.objects.filter(docket_number="").count() == 2

    def test_slugs_are_unique(self):
        LawsuitFactory(slug="taken")
        with pytest.raises(IntegrityError), transaction.atomic():
            LawsuitFactory(slug="taken")

    def test_source_addresses_are_unique(self):
        SourceFactory(url="https://example.org/a")
        with pytest.raises(IntegrityError), transaction.atomic():
            SourceFactory(url="https://example.org/a")


@pytest.mark.django_db
class TestChoicesAndDates:
    def test_unknown_status_is_refused_by_the_database(self):
        SettlementFactory()
        assert_db_refuses(Settlement, status="maybe")

    def test_a_year_only_date_cannot_carry_a_day(self):
        ViolationFactory(decided_on=datetime.date(2019, 1, 1), decided_on_precision="year")
        assert_db_refuses(Violation, decided_on=datetime.date(2019, 2, 27))

    def test_services_store_partial_dates_at_their_first_day(self):
        violation = violation_create(
            company=CompanyFactory(),
            authority=AuthorityFactory(),
            kind=Violation.Kind.FINE,
            amount=Decimal(10),
            currency="USD",
            decided_on=datetime.date(2019, 2, 27),
            decided_on_precision=DatePrecision.MONTH,
        )
        assert violation.decided_on == datetime.date(2019, 2, 1)
        assert violation.decided_on_display == "February 2019"

    def test_a_lawsuit_cannot_be_related_to_itself(self):
        lawsuit = LawsuitFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            lawsuit.relations_out.create(to_lawsuit=lawsuit, kind="follow_on")
