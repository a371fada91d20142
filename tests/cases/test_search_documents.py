"""Stored search documents stay equal to what the records' rows give, on every write path.

``search_documents.drift()`` recomputes each document with Django from the live rows and
lists the records whose stored document differs; every test here writes one way and then
asserts that nothing drifted, and that search finds the record by its new words.
"""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from cases import public_selectors, search_documents, services
from cases.importing import import_records
from cases.models import Authority, Lawsuit, LawsuitDefendant, Settlement, Violation
from companies.models import Company
from tests.factories import (
    AuthorityFactory,
    CompanyFactory,
    LawsuitFactory,
    SettlementFactory,
    ViolationFactory,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]

NO_DRIFT = {"cases.Lawsuit": [], "cases.Settlement": [], "cases.Violation": []}


def found(query: str) -> dict[str, list]:
    results = public_selectors.search(query)
    assert results.method == "postgres"
    return {
        "lawsuits": results.lawsuits,
        "settlements": results.settlements,
        "violations": results.violations,
    }


@pytest.fixture
def records():
    """A lawsuit against two companies with a settlement, and a penalty on one of them."""
    acme, zenith = CompanyFactory(name="Acme Widgets"), CompanyFactory(name="Zenith Foods")
    agency = AuthorityFactory(name="Trade Agency", abbreviation="TRAG")
    lawsuit = LawsuitFactory(
        title="Doe v. Acme", docket_number="1:20-cv-1", summary="", defendants=[acme, zenith]
    )
    settlement = SettlementFactory(lawsuit=lawsuit, summary="cash", class_description="buyers")
    violation = ViolationFactory(company=acme, authority=agency, description="mislabelled jars")
    assert search_documents.drift() == NO_DRIFT
    return {
        "acme": acme,
        "zenith": zenith,
        "agency": agency,
        "lawsuit": lawsuit,
        "settlement": settlement,
        "violation": violation,
    }


def test_new_records_have_documents_with_their_linked_names(records):
    assert found("Zenith") == {
        "lawsuits": [records["lawsuit"]],
        "settlements": [records["settlement"]],
        "violations": [],
    }
    assert found("TRAG")["violations"] == [records["violation"]]
    assert found("mislabelled")["violations"] == [records["violation"]]


def test_the_check_reports_a_stale_document(records):
    violation = records["violation"]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before ALTER
        cursor.execute("ALTER TABLE cases_violation DISABLE TRIGGER search_document_set")
        cursor.execute(
            "UPDATE cases_violation SET search_document = to_tsvector('stale') WHERE id = %s",
            [violation.pk],
        )
        cursor.execute("ALTER TABLE cases_violation ENABLE TRIGGER search_document_set")
    assert search_documents.drift()["cases.Violation"] == [violation.pk]
    out = call_command_output("search_documents", "--check", expect_exit=1)
    assert f"cases.Violation: 1 stale (ids {violation.pk})" in out
    call_command_output("search_documents", "--rebuild")
    assert search_documents.drift() == NO_DRIFT


def call_command_output(*args, expect_exit: int = 0) -> str:
    import io

    out = io.StringIO()
    if expect_exit:
        with pytest.raises(SystemExit) as exit_info:
            call_command(*args, stdout=out)
        assert exit_info.value.code == expect_exit
    else:
        call_command(*args, stdout=out)
    return out.getvalue()


def test_renaming_a_company_updates_every_record_that_names_it(records):
    acme = records["acme"]
    acme.name = "Globex Widgets"
    acme.save()
    assert search_documents.drift() == NO_DRIFT
    assert found("Globex") == {
        "lawsuits": [records["lawsuit"]],
        "settlements": [records["settlement"]],
        "violations": [records["violation"]],
    }
    assert found("Acme")["violations"] == []  # the old name is gone from the penalty


def test_renaming_companies_in_bulk_and_authorities(records):
    Company.objects.filter(pk=records["zenith"].pk).update(name="Quasar Foods")
    Authority.objects.filter(pk=records["agency"].pk).update(abbreviation="QTA")
    assert search_documents.drift() == NO_DRIFT
    assert found("Quasar")["settlements"] == [records["settlement"]]
    assert found("QTA")["violations"] == [records["violation"]]


def test_renaming_an_authority_in_the_admin(records, superuser_client):
    agency = records["agency"]
    url = reverse("admin:cases_authority_change", args=[agency.pk])
    response = superuser_client.post(
        url,
        {
            "name": "Office of Fair Dealing",
            "slug": agency.slug,
            "abbreviation": "OFD",
            "kind": agency.kind,
            "country": agency.country,
            "is_published": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert search_documents.drift() == NO_DRIFT
    assert found("OFD")["violations"] == [records["violation"]]


def test_defendants_added_and_removed_and_lawsuit_retitled(records):
    lawsuit, zenith = records["lawsuit"], records["zenith"]
    newcomer = CompanyFactory(name="Initrode Systems")
    services.record_links_add(lawsuit, defendants=[newcomer])
    assert search_documents.drift() == NO_DRIFT
    assert found("Initrode")["settlements"] == [records["settlement"]]
    LawsuitDefendant.objects.filter(lawsuit=lawsuit, company=zenith).delete()
    services.record_update(lawsuit, title="Roe v. Everyone")
    assert search_documents.drift() == NO_DRIFT
    assert found("Zenith")["lawsuits"] == []
    assert found("Everyone")["settlements"] == [records["settlement"]]


def test_services_create_update_and_move_records(records):
    violation = services.violation_create(
        company=records["zenith"],
        authority=records["agency"],
        kind=Violation.Kind.FINE,
        amount=Decimal(10),
        currency="USD",
        decided_on=datetime.date(2020, 1, 1),
        description="late filings",
        is_published=True,
    )
    settlement = services.settlement_create(
        lawsuit=records["lawsuit"],
        amount=Decimal(7),
        currency="USD",
        summary="vouchers",
        is_published=True,
    )
    services.record_update(records["violation"], company=records["zenith"])
    services.record_update(records["settlement"], class_description="tinned goods buyers")
    assert search_documents.drift() == NO_DRIFT
    assert set(found("Zenith")["violations"]) == {violation, records["violation"]}
    assert found("vouchers")["settlements"] == [settlement]
    assert found("tinned")["settlements"] == [records["settlement"]]


def test_bulk_writes_and_a_settlement_moved_to_another_lawsuit(records):
    other = LawsuitFactory(title="State v. Umbrella", defendants=[CompanyFactory()])
    Settlement.objects.filter(pk=records["settlement"].pk).update(lawsuit=other)
    Violation.objects.bulk_create(
        [
            Violation(
                company=records["acme"],
                authority=records["agency"],
                kind=Violation.Kind.FINE,
                amount=Decimal(n + 1),
                decided_on=datetime.date(2021, 1, n + 1),
                description=f"batch {n}",
                is_published=True,
            )
            for n in range(3)
        ]
    )
    Lawsuit.objects.filter(pk=other.pk).update(summary="umbrella inquiry")
    assert search_documents.drift() == NO_DRIFT
    assert found("Umbrella")["settlements"] == [records["settlement"]]
    assert len(found("batch")["violations"]) == 3


def test_csv_import_writes_documents(seed):
    gdpr = Path(__file__).parent / "fixtures" / "imports" / "gdpr_dirty.csv"
    report = import_records(gdpr.read_bytes(), publish=True)
    assert report.counts["created"] > 0
    assert search_documents.drift() == NO_DRIFT


def test_synthetic_loader_writes_documents(db):
    call_command("generate_synthetic", records=500, seed=3, stdout=None)
    assert Violation.objects.filter(search_document__isnull=True).count() == 0
    assert search_documents.drift(limit=5) == NO_DRIFT


def test_history_does_not_copy_documents(records):
    historical = type(records["violation"].history.first())
    assert "search_document" not in {field.name for field in historical._meta.fields}


def matches(model, column: str, pk: int, words: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} @@ plainto_tsquery('english', %s) FROM {model._meta.db_table} "
            "WHERE id = %s",
            [words, pk],
        )
        return cursor.fetchone()[0]


def test_own_documents_leave_out_company_names(records):
    lawsuit, settlement, violation = records["lawsuit"], records["settlement"], records["violation"]
    for model, pk in ((Lawsuit, lawsuit.pk), (Settlement, settlement.pk)):
        assert matches(model, "search_document", pk, "Zenith")
        assert not matches(model, "own_search_document", pk, "Zenith")
        assert matches(model, "own_search_document", pk, "Doe")  # the case's title
    assert matches(Violation, "search_document", violation.pk, "Acme")
    assert not matches(Violation, "own_search_document", violation.pk, "Acme")
    assert matches(Violation, "own_search_document", violation.pk, "TRAG mislabelled")


def test_the_check_reports_a_stale_own_document_and_a_write_cannot_set_one(records):
    violation, lawsuit = records["violation"], records["lawsuit"]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE cases_lawsuit DISABLE TRIGGER search_document_set")
        cursor.execute(
            "UPDATE cases_lawsuit SET own_search_document = NULL WHERE id = %s", [lawsuit.pk]
        )
        cursor.execute("ALTER TABLE cases_lawsuit ENABLE TRIGGER search_document_set")
        # With the trigger on, a value written into a document is replaced by the right one.
        cursor.execute(
            "UPDATE cases_violation SET own_search_document = to_tsvector('stale') WHERE id = %s",
            [violation.pk],
        )
    assert search_documents.drift() == {**NO_DRIFT, "cases.Lawsuit": [lawsuit.pk]}
    out = call_command_output("search_documents", "--check", expect_exit=1)
    assert f"cases.Lawsuit: 1 stale (ids {lawsuit.pk})" in out
    call_command_output("search_documents", "--rebuild")
    assert search_documents.drift() == NO_DRIFT


def test_filling_own_documents_as_the_migration_does(records):
    """0008 fills the new column with one UPDATE per table setting it to NULL: the trigger
    computes the own document and keeps the stored ``search_document`` as it is."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in search_documents.TABLES.values():
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER search_document_set")
            cursor.execute(
                f"UPDATE {table} SET own_search_document = NULL, "
                "search_document = search_document || to_tsvector('kept')"
            )
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER search_document_set")
            cursor.execute(f"UPDATE {table} SET own_search_document = NULL")
    for model, record in (
        (Lawsuit, "lawsuit"),
        (Settlement, "settlement"),
        (Violation, "violation"),
    ):
        pk = records[record].pk
        assert matches(model, "own_search_document", pk, "TRAG" if model is Violation else "Doe")
        assert matches(model, "search_document", pk, "kept")  # not recomputed
    call_command_output("search_documents", "--rebuild")
    assert search_documents.drift() == NO_DRIFT


def test_renames_keep_own_documents_exact(records):
    """A company rename recomputes the whole documents only; an authority rename and a new
    case title recompute the own documents that quote them, in bulk too."""
    Company.objects.filter(pk=records["acme"].pk).update(name="Vandelay Industries")
    Authority.objects.filter(pk=records["agency"].pk).update(name="Board of Weights")
    Lawsuit.objects.filter(pk=records["lawsuit"].pk).update(title="State v. Zenith")
    assert search_documents.drift() == NO_DRIFT
    settlement, violation = records["settlement"], records["violation"]
    assert matches(Violation, "own_search_document", violation.pk, "Board of Weights")
    assert not matches(Violation, "own_search_document", violation.pk, "Vandelay")
    assert matches(Settlement, "own_search_document", settlement.pk, "State Zenith")
    assert public_selectors.search("Vandelay").violations == [violation]
    assert public_selectors.search("Weights").violations == [violation]
