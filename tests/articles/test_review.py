"""Accepting and rejecting findings: records created or linked, never duplicated."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from articles import services
from articles.models import Article, ArticleStatus, Finding
from cases.models import Authority, Lawsuit, Settlement, Source, Violation
from companies.models import Company
from tests.factories import AuthorityFactory, CompanyFactory, LawFactory


def make_article(**fields) -> Article:
    values = {
        "url": "https://news.example.org/story",
        "title": "Acme settles",
        "publisher": "Example News",
        "published_on": datetime.date(2024, 3, 1),
        "status": ArticleStatus.EXTRACTED,
        "text": "Text.",
    }
    values.update(fields)
    return Article.objects.create(**values)


def make_finding(article=None, **fields) -> Finding:
    values = {
        "article": article or make_article(),
        "kind": Finding.Kind.SETTLEMENT,
        "company_name": "Acme",
        "amount": Decimal("12000000"),
        "currency": "USD",
        "date": datetime.date(2024, 2, 29),
        "date_precision": "day",
        "sentence": "Acme agreed to pay $12 million to settle the class action.",
        "confidence": Decimal("0.8"),
        "fingerprint": f"fp-{Finding.objects.count()}",
    }
    values.update(fields)
    return Finding.objects.create(**values)


@pytest.fixture
def acme(db):
    return CompanyFactory(name="Acme", slug="acme")


def test_accepting_a_settlement_creates_lawsuit_settlement_and_source(acme, editor):
    court = AuthorityFactory(kind=Authority.Kind.COURT, name="Cook County Circuit Court")
    bipa = LawFactory(short_name="BIPA")
    finding = make_finding(company=acme, authority=court, law=bipa)
    settlement = services.finding_accept(finding, user=editor)

    assert isinstance(settlement, Settlement)
    assert (settlement.amount, settlement.currency, settlement.announced_on) == (
        Decimal("12000000"),
        "USD",
        datetime.date(2024, 2, 29),
    )
    assert settlement in Settlement.objects.published()
    lawsuit = settlement.lawsuit
    assert list(lawsuit.defendants.all()) == [acme]
    assert (lawsuit.authority, lawsuit.kind, lawsuit.status) == (court, "class_action", "settled")
    assert list(lawsuit.laws.all()) == [bipa]
    source = Source.objects.get(url="https://news.example.org/story")
    assert list(settlement.sources.all()) == [source]
    assert (source.title, source.publisher, source.published_on) == (
        "Acme settles",
        "Example News",
        datetime.date(2024, 3, 1),
    )
    finding.refresh_from_db()
    assert (finding.status, finding.settlement, finding.reviewed_by) == (
        "accepted",
        settlement,
        editor,
    )
    assert finding.article.status == ArticleStatus.REVIEWED


def test_accepting_twice_creates_one_record(acme, editor):
    finding = make_finding(company=acme)
    first = services.finding_accept(finding, user=editor)
    second = services.finding_accept(finding, user=editor)
    assert first == second
    assert Settlement.objects.count() == 1
    assert Lawsuit.objects.count() == 1


def test_same_fact_from_another_article_links_the_existing_record(acme, editor):
    first = services.finding_accept(make_finding(company=acme), user=editor)
    other_article = make_article(url="https://other.example.org/acme", title="Acme pays")
    second = services.finding_accept(make_finding(article=other_article, company=acme), user=editor)
    assert second == first
    assert Settlement.objects.count() == 1
    assert set(first.sources.values_list("url", flat=True)) == {
        "https://news.example.org/story",
        "https://other.example.org/acme",
    }
    assert first.lawsuit.sources.count() == 2


def test_accepting_the_seed_settlement_links_instead_of_duplicating(seed, editor):
    tiktok = Company.objects.get(slug="tiktok")
    before = Settlement.objects.count()
    finding = make_finding(company=tiktok, amount=Decimal("92000000"), company_name="TikTok")
    record = services.finding_accept(finding, user=editor)
    assert Settlement.objects.count() == before
    assert record.lawsuit.slug == "in-re-tiktok-consumer-privacy-litigation"
    assert record.sources.filter(url="https://news.example.org/story").exists()


def test_accepting_the_seed_penalty_matches_the_subsidiary(seed, editor):
    tiktok = Company.objects.get(slug="tiktok")
    ftc = Authority.objects.get(slug="ftc")
    before = Violation.objects.count()
    finding = make_finding(
        company=tiktok,
        kind=Finding.Kind.PENALTY,
        amount=Decimal("5700000"),
        authority=ftc,
        date=datetime.date(2019, 1, 1),
        date_precision="year",
    )
    record = services.finding_accept(finding, user=editor)
    assert Violation.objects.count() == before
    assert record.company.slug == "musical-ly"


def test_accepting_a_fine_creates_a_violation(acme, editor):
    cnil = AuthorityFactory(name="CNIL", abbreviation="CNIL", country="FR")
    finding = make_finding(
        company=acme,
        kind=Finding.Kind.FINE,
        amount=Decimal("8000000"),
        currency="EUR",
        authority=cnil,
        date=datetime.date(2023, 6, 1),
        date_precision="month",
    )
    violation = services.finding_accept(finding, user=editor)
    assert (violation.kind, violation.amount, violation.currency, violation.authority) == (
        "fine",
        Decimal("8000000"),
        "EUR",
        cnil,
    )
    assert violation.decided_on_display == "June 2023"
    assert violation in Violation.objects.published()


@pytest.mark.parametrize(
    ("fields", "message_field"),
    [
        ({"company": None}, "company"),
        ({"kind": Finding.Kind.FINE, "authority": None}, "authority"),
        ({"kind": Finding.Kind.SETTLEMENT, "amount": None, "currency": ""}, "amount"),
    ],
)
def test_accept_refuses_an_incomplete_finding_and_writes_nothing(
    acme, editor, fields, message_field
):
    finding = make_finding(**{"company": acme, **fields})
    with pytest.raises(ValidationError) as error:
        services.finding_accept(finding, user=editor)
    assert message_field in error.value.message_dict
    finding.refresh_from_db()
    assert finding.status == "pending"
    assert Settlement.objects.count() == Violation.objects.count() == Lawsuit.objects.count() == 0
    assert Source.objects.count() == 0


def test_accepting_a_lawsuit_finding_creates_a_pending_lawsuit(acme, editor):
    finding = make_finding(
        company=acme,
        kind=Finding.Kind.LAWSUIT,
        amount=None,
        currency="",
        date=datetime.date(2024, 3, 3),
    )
    lawsuit = services.finding_accept(finding, user=editor, lawsuit_title="Doe v. Acme")
    assert (lawsuit.title, lawsuit.status, lawsuit.filed_on) == (
        "Doe v. Acme",
        "pending",
        datetime.date(2024, 3, 3),
    )
    again = make_finding(
        article=make_article(url="https://b.example.org/x"),
        company=acme,
        kind=Finding.Kind.LAWSUIT,
        amount=None,
        currency="",
    )
    assert services.finding_accept(again, user=editor, lawsuit_title="Doe v. Acme") == lawsuit


def test_rejecting_keeps_the_note_and_an_accepted_finding_cannot_be_rejected(acme, editor):
    finding = make_finding(company=acme)
    services.finding_reject(finding, user=editor, note="Duplicate of an older story")
    finding.refresh_from_db()
    assert (finding.status, finding.review_note) == ("rejected", "Duplicate of an older story")
    accepted = make_finding(article=finding.article, company=acme, fingerprint="other")
    services.finding_accept(accepted, user=editor)
    with pytest.raises(ValidationError):
        services.finding_reject(accepted, user=editor)


def test_database_refuses_an_accepted_finding_without_a_record(acme):
    from django.db import IntegrityError

    finding = make_finding(company=acme)
    with pytest.raises(IntegrityError):
        Finding.objects.filter(pk=finding.pk).update(status="accepted")
