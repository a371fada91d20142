"""Bulk import: the GDPR-fines layout with every kind of dirty row, refusals, idempotency."""

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cases import importing
from cases.importing import ImportRefused, company_key, import_records, law_name_from_article
from cases.models import Authority, Law, Source, Violation
from companies.models import Company
from tests.factories import CompanyAliasFactory, CompanyFactory

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
GDPR_DIRTY = FIXTURES / "gdpr_dirty.csv"

# What each line of gdpr_dirty.csv is there to exercise: (action, skip reason, review codes).
EXPECTED_GDPR_LINES = {
    2: ("created", "", []),
    3: ("created", "", []),  # Google Inc.: the same company as Google LLC
    4: ("skipped", "amount_missing", []),  # price 0
    5: ("skipped", "date_unknown", []),  # 01/01/1970
    6: ("skipped", "date_unknown", []),  # "Unknown"
    7: ("created", "", []),  # HTML entities
    8: ("skipped", "company_unknown", []),  # "Unknown" controller
    9: ("created", "", []),  # stray tabs
    10: ("skipped", "duplicate_row", []),  # line 2 again
    11: ("skipped", "duplicate_record", []),  # the fine of line 2 under another id
    12: ("created", "", ["company_fuzzy_match"]),
    13: ("created", "", ["country_unknown"]),
    14: ("created", "", ["source_invalid"]),
    15: ("skipped", "date_invalid", []),
    16: ("skipped", "amount_invalid", []),
    17: ("skipped", "wrong_cell_count", []),
    18: ("created", "", []),  # BDSG beside the GDPR
    19: ("created", "", ["law_unknown"]),  # TikTok Inc., an alias of the seed's TikTok
    20: ("created", "", []),  # ByteDance Ltd., an alias of the seed's ByteDance
}


def row_outcomes(report):
    return {
        row.line: (row.action, row.reason, [code for code, _ in row.review]) for row in report.rows
    }


def database_state():
    """Everything an import may write, with each record's history length."""
    return {
        model.__name__: sorted(
            (obj.pk, str(obj), obj.is_published, obj.history.count()) for obj in model.objects.all()
        )
        for model in (Violation, Company, Authority, Law)
    } | {"sources": sorted(Source.objects.values_list("url", flat=True))}


@pytest.fixture
def gdpr_bytes():
    return GDPR_DIRTY.read_bytes()


def test_every_dirty_row_is_imported_skipped_or_flagged(seed, gdpr_bytes):
    report = import_records(gdpr_bytes)

    assert row_outcomes(report) == EXPECTED_GDPR_LINES
    assert report.counts == {"created": 10, "skipped": 9}
    assert report.skipped_by_reason["date_unknown"] == 2
    assert report.flagged_count == 4
    assert Violation.objects.filter(currency="EUR").count() == 10


def test_companies_are_matched_by_normalised_name_and_alias(seed, gdpr_bytes):
    import_records(gdpr_bytes)

    google = Company.objects.get(name="Google LLC")
    assert google.violations.count() == 2  # "Google LLC" and "Google Inc."
    assert Violation.objects.get(amount=Decimal("345000000")).company.slug == "tiktok"
    assert Violation.objects.get(amount=Decimal("1200000000")).company.slug == "bytedance"
    acme = Company.objects.get(name="Acme Widgets International B.V.")  # tabs trimmed
    assert sorted(acme.violations.values_list("amount", flat=True)) == [30000, 45000]


def test_cells_are_cleaned_of_entities_and_tabs(seed, gdpr_bytes):
    import_records(gdpr_bytes)

    smith = Violation.objects.get(company__name="Smith & Sons Ltd")
    assert 'The firm\'s "secure" portal exposed 1,000 records & more.' in smith.description
    assert smith.description.startswith("Insufficient data security.")
    assert "Articles cited: Art. 5 (1) f) GDPR." in smith.description
    acme = Violation.objects.get(amount=30000)
    assert "Stray tabs in the summary." in acme.description
    assert acme.authority.name == "Dutch Supervisory Authority for Data Protection (AP)"


def test_unknown_references_are_created_and_listed(seed, gdpr_bytes):
    report = import_records(gdpr_bytes)

    assert "Google LLC" in report.created["companies"]
    assert "TikTok" not in report.created["companies"]
    assert report.created["laws"] == ["GDPR (EU)", "BDSG (DE)"]
    hamburg = Authority.objects.get(name="Data Protection Authority of Hamburg")
    assert (hamburg.country, hamburg.kind) == ("DE", Authority.Kind.DATA_PROTECTION)
    assert "Data Protection Authority of Hamburg" in report.created["authorities"]
    fine = Violation.objects.get(amount=25000)
    assert sorted(str(law) for law in fine.laws.all()) == ["BDSG", "GDPR"]
    assert fine.decided_on == datetime.date(2020, 8, 20)
    assert fine.sources.get().url == "https://dpa.example.de/decisions/116"
    assert "New laws (2): GDPR (EU), BDSG (DE)" in report.summary_lines()


def test_imported_records_stay_unpublished_by_default(seed, gdpr_bytes):
    import_records(gdpr_bytes)

    assert not Violation.objects.filter(currency="EUR", is_published=True).exists()
    assert not Company.objects.filter(name="Google LLC", is_published=True).exists()


def test_publish_publishes_all_but_flagged_rows(seed, gdpr_bytes):
    import_records(gdpr_bytes, publish=True)

    assert Violation.objects.get(amount=50000).is_published
    assert Company.objects.get(name="Google LLC").is_published
    assert not Violation.objects.get(amount=45000).is_published  # fuzzy company match
    assert not Violation.objects.get(amount=7000).is_published  # invalid source


def test_importing_the_same_file_twice_changes_nothing(seed, gdpr_bytes):
    import_records(gdpr_bytes)
    before = database_state()

    second = import_records(gdpr_bytes)

    assert database_state() == before
    assert second.counts == {"unchanged": 10, "skipped": 9}
    assert not any(second.created.values())


def test_a_changed_row_updates_its_record(seed, gdpr_bytes):
    import_records(gdpr_bytes)
    changed = gdpr_bytes.replace(
        b"Privacy notices were hard to find.", b"Privacy notices were hidden."
    )

    report = import_records(changed)

    assert report.counts == {"updated": 1, "unchanged": 9, "skipped": 9}
    assert "hidden" in Violation.objects.get(amount=150000).description


def test_dry_run_reports_but_writes_nothing(seed, gdpr_bytes):
    before = database_state()

    report = import_records(gdpr_bytes, dry_run=True)

    assert database_state() == before
    assert report.counts["created"] == 10
    assert report.summary_lines()[0].startswith("Dry run, nothing written.")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((FIXTURES / "latin1.csv").read_bytes(), "not UTF-8 text: byte 0xe9 on line 2"),
        ((FIXTURES / "wrong_columns.csv").read_bytes(), "missing ['picture', 'name', 'price'"),
        ((FIXTURES / "semicolons.csv").read_bytes(), "separated by semicolons"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
        (b"", "empty"),
        ("id,name\n1,x\n".encode("utf-16"), "UTF-16"),
        (b'id,picture,name\n1,"unclosed,x\n', "not a valid CSV file"),
        (b"id,id,name\n", "more than once: ['id']"),
    ],
    ids=["latin1", "wrong-columns", "semicolons", "binary", "empty", "utf16", "quote", "dup"],
)
def test_unreadable_files_are_refused_and_nothing_is_written(seed, data, message):
    before = database_state()

    with pytest.raises(ImportRefused, match=re.escape(message)):
        import_records(data)

    assert database_state() == before


def test_the_whole_file_is_one_transaction(seed, gdpr_bytes, monkeypatch):
    """An unexpected failure on a late row undoes the rows already written."""
    before = database_state()
    real_handler = importing.import_gdpr_row

    def failing_handler(cells, row):
        if row.result.line == 18:
            raise RuntimeError("disk full")
        return real_handler(cells, row)

    monkeypatch.setitem(importing.ROW_HANDLERS, "gdpr", failing_handler)

    with pytest.raises(RuntimeError):
        import_records(gdpr_bytes)
    assert database_state() == before


def test_a_row_breaking_a_database_rule_is_skipped_alone(seed):
    long_name = "X" * 250  # longer than a company name may be
    data = (
        "id,picture,name,price,authority,date,controller,article_violated,type,source,summary\n"
        f"1,,Spain,1000,AEPD,01/02/2020,{long_name},Art. 5 GDPR,x,https://e.example/1,s\n"
        "2,,Spain,2000,AEPD,01/03/2020,Fine Company SA,Art. 5 GDPR,x,https://e.example/2,s\n"
    ).encode()

    report = import_records(data)

    first, second = report.rows
    assert (first.action, first.reason) == ("skipped", "invalid_record")
    assert "name" in first.message
    assert second.action == "created"
    assert report.created["companies"] == ["Fine Company SA"]


def test_company_key_drops_legal_forms_and_case():
    assert company_key("Google LLC") == company_key("Google Inc.") == company_key("google")
    assert company_key("\tBritish Airways plc ") == company_key("British Airways")
    assert company_key("Google") != company_key("Googol")


def test_an_alias_matches_in_any_legal_form(db):
    company = CompanyFactory(name="Meta Platforms")
    CompanyAliasFactory(company=company, name="Facebook Ireland Ltd")
    data = (
        b"id,picture,name,price,authority,date,controller,article_violated,type,source,summary\n"
        b"7,,Ireland,1000,DPC,01/02/2020,Facebook Ireland Limited,Art. 5 GDPR,x,,s\n"
    )

    import_records(data)

    assert Violation.objects.get().company == company


@pytest.mark.parametrize(
    ("article", "law"),
    [
        ("Art. 5 (1) f) GDPR", "GDPR"),
        ("Art. 58 (2) d) GDPR", "GDPR"),
        ("Art. 21 BDSG", "BDSG"),
        ("Art. 82 (1) Ley Orgánica 3/2018", "Ley Orgánica 3/2018"),
        ("Art. 5, 6 GDPR", "GDPR"),
        ("Data Protection Act 2018", "Data Protection Act 2018"),
        ("Unknown", ""),
    ],
)
def test_law_name_from_article(article, law):
    assert law_name_from_article(article) == law


def test_command_prints_summary_and_writes_report(seed, tmp_path, capsys):
    path = tmp_path / "fines.csv"
    path.write_bytes(GDPR_DIRTY.read_bytes())

    call_command("import_records", str(path))

    out = capsys.readouterr().out
    assert "10 created, 0 updated, 0 unchanged, 9 skipped" in out
    assert "skipped, duplicate_row: 1" in out
    assert "review, company_fuzzy_match: 1" in out
    report_lines = (tmp_path / "fines.report.csv").read_text().splitlines()
    assert report_lines[0].startswith("line,external_id,action")
    assert len(report_lines) == 1 + 19
    assert report_lines[4].startswith("5,104,skipped,,,,date_unknown")
    first = next(csv.DictReader(io.StringIO("\n".join(report_lines))))
    assert first["action"] == "created"
    assert first["new_references"] == (
        "company: Google LLC; authority: Spanish Data Protection Authority (aepd); law: GDPR (EU)"
    )


def test_command_dry_run_and_publish(seed, tmp_path, capsys):
    path = tmp_path / "fines.csv"
    path.write_bytes(GDPR_DIRTY.read_bytes())
    report = tmp_path / "out.csv"

    call_command("import_records", str(path), "--dry-run", "--publish", "--report", str(report))

    assert "Dry run, nothing written" in capsys.readouterr().out
    assert report.exists()
    assert not Violation.objects.filter(currency="EUR").exists()


def test_command_refuses_a_bad_file(seed, tmp_path):
    path = tmp_path / "fines.csv"
    path.write_bytes((FIXTURES / "latin1.csv").read_bytes())

    with pytest.raises(CommandError, match=r"was not imported, nothing was written: .*UTF-8"):
        call_command("import_records", str(path))
    assert not (tmp_path / "fines.report.csv").exists()


def test_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_records", str(tmp_path / "nope.csv"))
