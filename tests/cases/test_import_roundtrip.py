"""Export → import reproduces the records: Casetrack's own layout read back.

Rows are produced by the same functions the list exports use (settlement_rows and
violation_rows), records are then deleted or changed, and importing the rows restores them.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from cases.csv_layout import (
    SETTLEMENT_COLUMNS,
    VIOLATION_COLUMNS,
    settlement_rows,
    violation_rows,
)
from cases.importing import import_records
from cases.models import Authority, Lawsuit, Settlement, Violation
from companies.models import Company
from core.dates import DatePrecision
from tests.factories import (
    AuthorityFactory,
    CompanyFactory,
    LawFactory,
    LawsuitFactory,
    SettlementFactory,
    SourceFactory,
    ViolationFactory,
)

# Cells that are derived or describe the export itself, not the record.
VOLATILE = {"id", "url"}


def to_csv(columns, rows) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(columns)
    writer.writerows(rows)
    return stream.getvalue().encode()


def comparable(columns, row):
    return {name: cell for name, cell in zip(columns, row, strict=True) if name not in VOLATILE}


def export_violations():
    return list(violation_rows(Violation.objects.order_by("pk")))


def export_settlements():
    return list(settlement_rows(Settlement.objects.order_by("pk")))


@pytest.fixture
def violations(db):
    parent = CompanyFactory(name="Parent Holdings", slug="parent-holdings")
    child = CompanyFactory(name="Child Apps", slug="child-apps", parent=parent)
    agency = AuthorityFactory(name="Trade Agency", slug="trade-agency", country="US")
    coppa = LawFactory(short_name="COPPA", slug="coppa")
    lawsuit = LawsuitFactory(slug="agency-v-child", defendants=[child])
    first = ViolationFactory(
        company=child,
        authority=agency,
        lawsuit=lawsuit,
        kind=Violation.Kind.CIVIL_PENALTY,
        amount=Decimal("5700000.00"),
        decided_on=datetime.date(2019, 2, 1),
        decided_on_precision=DatePrecision.MONTH,
        description='=HYPERLINK("x") looks like a formula\nand spans two lines.',
    )
    first.laws.add(coppa)
    first.sources.add(SourceFactory(url="https://agency.example.gov/release"))
    ViolationFactory(company=parent, authority=agency, decided_on=datetime.date(2021, 5, 6))
    return first


@pytest.fixture
def settlements(db):
    court = AuthorityFactory(
        name="District Court", slug="district-court", kind=Authority.Kind.COURT
    )
    defendant = CompanyFactory(name="Video App", slug="video-app")
    bipa = LawFactory(short_name="BIPA", slug="bipa", jurisdiction="US-IL")
    lawsuit = LawsuitFactory(
        title="In re Video App Privacy Litigation",
        slug="in-re-video-app",
        authority=court,
        docket_number="MDL No. 1234",
        defendants=[defendant],
    )
    lawsuit.laws.add(bipa)
    settlement = SettlementFactory(
        lawsuit=lawsuit,
        amount=Decimal("92000000.00"),
        status=Settlement.Status.FINAL_APPROVAL,
        announced_on=datetime.date(2021, 2, 1),
        announced_on_precision=DatePrecision.MONTH,
        approved_on=datetime.date(2022, 1, 1),
        approved_on_precision=DatePrecision.YEAR,
        claim_deadline=datetime.date(2022, 3, 1),
        class_description="US users.",
        summary="A fund for the class.",
    )
    settlement.sources.add(SourceFactory(url="https://settlement.example.com/"))
    return settlement


def test_reimporting_an_export_changes_nothing(violations, settlements):
    violation_file = to_csv(VIOLATION_COLUMNS, export_violations())
    settlement_file = to_csv(SETTLEMENT_COLUMNS, export_settlements())

    assert import_records(violation_file).counts == {"unchanged": 2}
    assert import_records(settlement_file).counts == {"unchanged": 1}


def test_deleted_violations_come_back_as_they_were(violations):
    exported = export_violations()
    Violation.objects.all().delete()

    report = import_records(to_csv(VIOLATION_COLUMNS, exported), publish=True)

    assert report.counts == {"created": 2}
    assert not any(report.created.values())  # company, authority, law all still known
    restored = export_violations()
    assert [comparable(VIOLATION_COLUMNS, row) for row in restored] == [
        comparable(VIOLATION_COLUMNS, row) for row in exported
    ]
    assert "\n" in Violation.objects.get(amount=Decimal("5700000")).description


def test_a_changed_violation_is_put_back_by_its_id(violations):
    exported = export_violations()
    violations.amount = Decimal("1.00")
    violations.decided_on = datetime.date(2020, 1, 1)
    violations.description = "Edited by mistake."
    violations.save()

    report = import_records(to_csv(VIOLATION_COLUMNS, exported))

    assert report.counts == {"updated": 1, "unchanged": 1}
    assert Violation.objects.count() == 2
    assert export_violations() == exported


def test_missing_company_and_authority_are_recreated_from_the_export(violations):
    exported = export_violations()
    Violation.objects.all().delete()
    Lawsuit.objects.all().delete()
    Company.objects.filter(slug="child-apps").delete()
    Authority.objects.filter(slug="trade-agency").delete()

    report = import_records(to_csv(VIOLATION_COLUMNS, exported), publish=True)

    assert report.created["companies"] == ["Child Apps"]
    assert report.created["authorities"] == ["Trade Agency"]
    child = Company.objects.get(slug="child-apps")
    assert child.parent.slug == "parent-holdings"
    authority = Authority.objects.get(slug="trade-agency")
    assert (authority.country, authority.kind) == ("US", Authority.Kind.OTHER)
    flagged = {line.line: [code for code, _ in line.review] for line in report.rows}
    assert flagged[2] == ["authority_kind_guessed", "lawsuit_not_found"]
    first = Violation.objects.get(amount=Decimal("5700000"))
    assert not first.is_published  # flagged rows are never published by an import
    assert first.lawsuit is None


def test_deleted_and_changed_settlements_come_back(settlements):
    exported = export_settlements()
    settlements.amount = Decimal("9.00")
    settlements.summary = "Wrong."
    settlements.save()
    lawsuit = settlements.lawsuit
    lawsuit.title = "Renamed"
    lawsuit.save()

    report = import_records(to_csv(SETTLEMENT_COLUMNS, exported))

    assert report.counts == {"updated": 1}
    assert export_settlements() == exported

    Settlement.objects.all().delete()
    report = import_records(to_csv(SETTLEMENT_COLUMNS, exported), publish=True)

    assert report.counts == {"created": 1}
    assert [comparable(SETTLEMENT_COLUMNS, row) for row in export_settlements()] == [
        comparable(SETTLEMENT_COLUMNS, row) for row in exported
    ]


def test_a_changed_lawsuit_alone_is_put_back_and_reported(settlements):
    exported = export_settlements()
    Lawsuit.objects.filter(pk=settlements.lawsuit_id).update(docket_number="typo")

    report = import_records(to_csv(SETTLEMENT_COLUMNS, exported))

    assert report.counts == {"updated": 1}
    assert Lawsuit.objects.get(pk=settlements.lawsuit_id).docket_number == "MDL No. 1234"


def test_a_deleted_lawsuit_is_recreated_with_its_links(settlements):
    exported = export_settlements()
    Settlement.objects.all().delete()
    Lawsuit.objects.all().delete()

    report = import_records(to_csv(SETTLEMENT_COLUMNS, exported), publish=True)

    assert report.counts == {"created": 1}
    lawsuit = Lawsuit.objects.get(slug="in-re-video-app")
    assert lawsuit.title == "In re Video App Privacy Litigation"
    assert lawsuit.docket_number == "MDL No. 1234"
    assert [c.slug for c in lawsuit.defendants.all()] == ["video-app"]
    assert [law.slug for law in lawsuit.laws.all()] == ["bipa"]
    assert [comparable(SETTLEMENT_COLUMNS, row) for row in export_settlements()] == [
        comparable(SETTLEMENT_COLUMNS, row) for row in exported
    ]


def test_the_public_csv_export_imports_back(client, violations):
    """The file a visitor downloads from /violations/?format=csv is one import reads."""
    Violation.objects.update(is_published=True)
    response = client.get("/violations/?format=csv")
    exported = b"".join(response.streaming_content)
    Violation.objects.all().delete()

    report = import_records(exported)

    assert report.counts == {"created": 2}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"record_type": "settlement"}, "record_type_mismatch"),
        ({"kind": "warning"}, "invalid_value"),
        ({"status": "pending"}, "invalid_value"),
        ({"currency": "XXQ"}, "invalid_value"),
        ({"amount": "-5"}, "amount_invalid"),
        ({"amount": ""}, "amount_missing"),
        ({"decided_on": ""}, "date_unknown"),
        ({"decided_on": "1970-01-01"}, "date_unknown"),
        ({"decided_on": "2019-02-30"}, "date_invalid"),
        ({"company": "Unknown", "company_slug": ""}, "company_unknown"),
        ({"authority": "", "authority_slug": ""}, "authority_missing"),
    ],
)
def test_bad_cells_in_our_own_layout_skip_the_row(violations, change, reason):
    header = VIOLATION_COLUMNS
    row = dict(zip(header, export_violations()[0], strict=True)) | change
    before = Violation.objects.count()

    report = import_records(to_csv(header, [[row[name] for name in header]]))

    assert (report.rows[0].action, report.rows[0].reason) == ("skipped", reason)
    assert Violation.objects.count() == before


def test_an_amount_of_zero_in_our_own_layout_is_kept(violations):
    """A GDPR dataset's 0 means "not known"; our export's 0 is what an editor saved."""
    header = VIOLATION_COLUMNS
    row = dict(zip(header, export_violations()[0], strict=True)) | {"id": "", "amount": "0"}

    report = import_records(to_csv(header, [[row[name] for name in header]]))

    assert report.rows[0].action == "created"
    assert Violation.objects.filter(amount=0).count() == 1
