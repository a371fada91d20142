import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from cases.models import Settlement, Violation

pytestmark = pytest.mark.django_db


def snapshot():
    """Row counts of every table the seed can touch, history tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"companies", "cases"}
    }


def test_loadseed_twice_is_the_same_as_once(capsys):
    call_command("loadseed")
    first = snapshot()
    updated_at = sorted(Settlement.objects.values_list("updated_at", flat=True))
    call_command("loadseed")
    assert snapshot() == first
    assert sorted(Settlement.objects.values_list("updated_at", flat=True)) == updated_at
    assert "0 created, 0 updated" in capsys.readouterr().out


def test_the_92_million_settlement(seed):
    settlement = Settlement.objects.published().get(amount=Decimal("92000000"))
    assert settlement.currency == "USD"
    assert settlement.announced_on.year == 2021
    assert settlement.approved_on.year == 2022
    assert settlement.status == Settlement.Status.FINAL_APPROVAL
    lawsuit = settlement.lawsuit
    assert lawsuit.title == "In re TikTok, Inc., Consumer Privacy Litigation"
    assert lawsuit.docket_number == "MDL No. 2948"
    assert lawsuit.kind == "class_action"
    assert lawsuit.authority.abbreviation == "N.D. Ill."
    assert {c.slug for c in lawsuit.defendants.all()} == {"tiktok", "bytedance"}
    assert {law.short_name for law in lawsuit.laws.all()} >= {"BIPA"}
    assert settlement.sources.exists()


def test_the_2019_coppa_penalty(seed):
    violation = Violation.objects.published().get()
    assert violation.company.slug == "musical-ly"
    assert violation.company.parent.slug == "tiktok"
    assert violation.company.parent.parent.slug == "bytedance"
    assert violation.authority.abbreviation == "FTC"
    assert violation.kind == Violation.Kind.CIVIL_PENALTY
    assert (violation.amount, violation.currency) == (Decimal("5700000"), "USD")
    assert violation.decided_on == datetime.date(2019, 2, 1)
    assert violation.decided_on_display == "February 2019"
    assert [law.short_name for law in violation.laws.all()] == ["COPPA"]
    assert violation.sources.filter(publisher="Federal Trade Commission").exists()


def test_seed_has_yearly_rates_for_usd_eur_gbp(seed):
    from cases.models import ExchangeRate

    for currency in ("USD", "EUR", "GBP"):
        years = set(ExchangeRate.objects.filter(currency=currency).values_list("year", flat=True))
        assert set(range(2015, 2027)) <= years
    assert ExchangeRate.objects.to_usd(Decimal(100), "USD", 2030) == Decimal("100.00")
