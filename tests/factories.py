"""factory_boy factories for every record; each builds a valid, unpublished record."""

import datetime
from decimal import Decimal

import factory

from cases.models import Authority, ExchangeRate, Law, Lawsuit, Settlement, Source, Violation
from companies.models import Company, CompanyAlias


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    country = "US"
    is_published = True


class CompanyAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanyAlias

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority

    name = factory.Sequence(lambda n: f"Authority {n}")
    slug = factory.Sequence(lambda n: f"authority-{n}")
    kind = Authority.Kind.REGULATOR
    country = "US"
    is_published = True


class LawFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Law

    short_name = factory.Sequence(lambda n: f"LAW{n}")
    slug = factory.Sequence(lambda n: f"law-{n}")
    full_name = factory.Sequence(lambda n: f"Law number {n}")
    jurisdiction = "US"
    is_published = True


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://news.example.org/story-{n}")
    title = factory.Sequence(lambda n: f"Story {n}")
    publisher = "Example News"


class LawsuitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lawsuit
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Doe v. Company {n}")
    slug = factory.Sequence(lambda n: f"doe-v-company-{n}")
    kind = Lawsuit.Kind.CLASS_ACTION
    authority = factory.SubFactory(AuthorityFactory, kind=Authority.Kind.COURT)
    docket_number = factory.Sequence(lambda n: f"1:20-cv-{n:05d}")
    filed_on = datetime.date(2020, 3, 2)
    is_published = True

    @factory.post_generation
    def defendants(self, create, extracted, **kwargs):
        if create:
            for company in extracted or [CompanyFactory()]:
                self.defendant_links.create(company=company)


class SettlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Settlement

    lawsuit = factory.SubFactory(LawsuitFactory)
    amount = factory.Sequence(lambda n: Decimal(1_000_000 + n))
    currency = "USD"
    status = Settlement.Status.PROPOSED
    announced_on = datetime.date(2021, 2, 25)
    is_published = True


class ViolationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Violation

    company = factory.SubFactory(CompanyFactory)
    authority = factory.SubFactory(AuthorityFactory)
    kind = Violation.Kind.FINE
    amount = factory.Sequence(lambda n: Decimal(100_000 + n))
    currency = "USD"
    decided_on = datetime.date(2019, 2, 27)
    is_published = True


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate

    currency = "EUR"
    year = 2020
    usd_per_unit = Decimal("1.10")
