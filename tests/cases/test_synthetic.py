import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from cases.models import Settlement, Violation
from companies.models import Company

pytestmark = pytest.mark.django_db


def fingerprint():
    return list(
        Violation.objects.order_by("company__slug", "decided_on", "amount").values_list(
            "company__slug", "authority__slug", "decided_on", "amount", "currency", "amount_usd"
        )
    )


def test_generates_the_planned_records_with_families_and_skewed_amounts(seed, capsys):
    call_command("generate_synthetic", records=2000, seed=7)
    synthetic_violations = Violation.objects.filter(company__slug__startswith="syn-")
    assert synthetic_violations.count() == 1400
    assert Settlement.objects.filter(lawsuit__slug__startswith="syn-").count() == 300
    # A few parents with many subsidiaries.
    biggest = (
        Company.objects.filter(slug__startswith="syn-")
        .annotate(children=Count("subsidiaries"))
        .order_by("-children")
        .first()
    )
    assert biggest.children >= 20
    # Log-normal amounts: the mean is well above the median.
    amounts = sorted(synthetic_violations.values_list("amount_usd", flat=True))
    assert sum(amounts) / len(amounts) > 2 * amounts[len(amounts) // 2]
    assert synthetic_violations.filter(is_published=False).exists()
    assert synthetic_violations.values("currency").distinct().count() >= 5
    assert "violations" in capsys.readouterr().out


def test_same_seed_same_data_and_clear_keeps_real_records(seed):
    call_command("generate_synthetic", records=500, seed=3)
    first = fingerprint()
    with pytest.raises(CommandError, match="--clear"):
        call_command("generate_synthetic", records=500, seed=3)
    call_command("generate_synthetic", records=500, seed=3, clear=True)
    assert fingerprint() == first
    # The seed records survive a clear.
    assert Violation.objects.filter(company__slug="musical-ly").count() == 1
    assert Company.objects.filter(slug="bytedance").exists()


def test_progress_never_counts_past_its_total(seed, capsys, monkeypatch):
    """Link rows (one or two per lawsuit) have no total known in advance: their progress
    says how many so far instead of a fraction above one."""
    import re

    from cases import synthetic

    monkeypatch.setattr(synthetic, "BATCH", 5)
    call_command("generate_synthetic", records=2000, seed=7)
    lines = capsys.readouterr().out.splitlines()
    fractions = [re.search(r"([\d,]+)/([\d,]+)$", line) for line in lines]
    shown = [(int(m[1].replace(",", "")), int(m[2].replace(",", ""))) for m in fractions if m]
    assert shown, lines
    assert all(done <= total for done, total in shown), shown
    assert any(line.startswith("  lawsuit defendants:") and "so far" in line for line in lines)
