"""Hostile text imported through the real ways in is shown escaped everywhere: every public
page, the admin, the Atom feeds (well-formed, summaries inert), every CSV export (no cell a
spreadsheet would run as a formula) and the API (the exact text, as JSON).

A page passes when the hostile text is on it as text (so the check is not vacuous) and it
holds no element, attribute, inline script or ``javascript:`` link that came from the text.
"""

import csv
import io
import json
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.contrib import admin
from django.urls import reverse

from cases.csv_layout import FORMULA_PREFIXES
from tests.trust.hostile_records import CONTROL, MARKERS, TEXT, WEBSITE_URL, import_hostile_records

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


class PageScan(HTMLParser):
    """What a browser would build from a page: elements with attributes, and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.texts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        self.texts.extend(attributes.values())
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if not self._in_script:
            self.texts.append(data)


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def injected(page: PageScan) -> list:
    """Elements and attributes that only hostile text could have made."""
    found = []
    for tag, attributes in page.elements:
        if attributes.get("id") == "injected" or (tag == "img" and attributes.get("src") == "x"):
            found.append((tag, attributes))
        found += [(tag, name) for name in attributes if name.startswith("on")]
        if (
            tag == "script"
            and "src" not in attributes
            and attributes.get("type") != ("application/json")
        ):
            found.append((tag, "inline script"))
        for name in ("href", "src", "action", "formaction"):
            if attributes.get(name, "").strip().lower().startswith("javascript:"):
                found.append((tag, name, attributes[name]))
    return found


def assert_escaped(html: str, where: str, expect_hostile: bool = True) -> None:
    page = scan(html)
    assert injected(page) == [], where
    if expect_hostile:
        text = "".join(page.texts)
        assert any(marker in text for marker in MARKERS), f"no hostile text reached {where}"
        assert "{{" in text, f"template syntax lost on {where}"


@pytest.fixture
def hostile_records(superuser_client, settings, django_capture_on_commit_callbacks):
    return import_hostile_records(superuser_client, settings, django_capture_on_commit_callbacks)


def public_pages(records) -> list[str]:
    return [
        "/",
        "/settlements/",
        f"/settlements/?company={records.company_slug}",
        f"/settlements/?law={records.law_slug}&authority={records.authority_slug}",
        f"/settlements/{records.settlement_id}/",
        f"/settlements/{records.accepted_settlement_id}/",
        "/violations/",
        f"/violations/?company={records.company_slug}&authority={records.authority_slug}",
        f"/violations/{records.violation_id}/",
        "/lawsuits/",
        f"/lawsuits/?company={records.company_slug}&law={records.law_slug}",
        f"/lawsuits/{records.lawsuit_slug}/",
        "/companies/",
        f"/companies/{records.company_slug}/",
        f"/companies/{records.company_slug}/?include_subsidiaries=0",
        f"/authorities/{records.authority_slug}/",
        f"/laws/{records.law_slug}/",
        "/stats/",
        "/search/?q=HYPERLINK",
        "/search/?q=Evilcorp",
    ]


def test_every_public_page_shows_the_hostile_text_as_text(client, hostile_records):
    for path in public_pages(hostile_records):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_escaped(response.content.decode(), path)


def test_links_from_hostile_addresses_stay_inside_their_attribute(client, hostile_records):
    records = hostile_records
    pages = {
        f"/companies/{records.company_slug}/": "https://evil.example/?\"'><svg",
        f"/authorities/{records.authority_slug}/": "https://evil.example/?\"'><svg",
        f"/violations/{records.violation_id}/": "https://evil.example/a?q=\"'><svg",
    }
    for path, start in pages.items():
        page = scan(client.get(path).content.decode())
        hrefs = [attributes.get("href", "") for tag, attributes in page.elements if tag == "a"]
        assert any(href.startswith(start) for href in hrefs), (path, hrefs)


def test_every_admin_page_shows_the_hostile_text_as_text(superuser_client, hostile_records):
    records = hostile_records
    assert_escaped(records.pending_queue_html, "the review queue, pending")
    with_hostile_text = [
        reverse("admin:articles_finding_changelist") + "?status=all",
        reverse("admin:articles_finding_change", args=[records.finding_id]),
        reverse("admin:articles_feed_change", args=[records.feed_id]),
        reverse("admin:articles_article_change", args=[records.article_id]),
        reverse("admin:cases_settlement_change", args=[records.settlement_id]),
        reverse("admin:cases_settlement_history", args=[records.settlement_id]),
        reverse("admin:cases_violation_change", args=[records.violation_id]),
        reverse("admin:cases_violation_history", args=[records.violation_id]),
    ]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        response = superuser_client.get(changelist)
        assert response.status_code == 200, changelist
        assert_escaped(response.content.decode(), changelist, expect_hostile=False)
        for record in model.objects.all()[:20]:
            for view in ("change", "history"):
                url = reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[record.pk])
                response = superuser_client.get(url)
                assert response.status_code == 200, url
                assert_escaped(response.content.decode(), url, expect_hostile=False)
    for name in ("companies_company", "cases_authority", "cases_law", "cases_lawsuit"):
        with_hostile_text.append(reverse(f"admin:{name}_changelist"))
    with_hostile_text += [
        reverse("admin:cases_violation_changelist") + "?q=HYPERLINK",
        reverse("admin:cases_settlement_changelist"),
        reverse("admin:cases_source_changelist"),
    ]
    for url in with_hostile_text:
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), url)


def atom_feeds(records) -> list[str]:
    return [
        "/feeds/latest/",
        f"/companies/{records.company_slug}/feed/",
        "/settlements/?format=atom",
        "/violations/?format=atom",
        f"/lawsuits/?format=atom&company={records.company_slug}",
    ]


def test_atom_feeds_are_well_formed_and_their_summaries_inert(client, hostile_records):
    for path in atom_feeds(hostile_records):
        response = client.get(path)
        assert response.status_code == 200, path
        root = ElementTree.fromstring(response.content)  # raises on malformed XML
        texts = []
        for entry in root.iter(f"{ATOM}entry"):
            title = entry.findtext(f"{ATOM}title")
            summary = entry.find(f"{ATOM}summary")
            assert summary.get("type") == "html"
            # The summary is HTML a reader renders: it must hold the text, not markup.
            assert_escaped(summary.text, f"{path} summary", expect_hostile=False)
            texts += [title, "".join(t for t in scan(summary.text).texts)]
        feed_title = root.findtext(f"{ATOM}title")
        joined = "".join(texts) + feed_title
        assert any(marker in joined for marker in MARKERS), path
        # XML 1.0 cannot carry these; they are left out, the rest of the text is kept.
        assert not any(char in joined for char in CONTROL if char != "\x7f"), path


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def csv_export(client, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200, path
    return csv_cells(b"".join(response.streaming_content).decode())


def assert_no_formula(rows: list[list[str]], where: str) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES), (where, cell)


def test_csv_exports_neutralise_formulas_and_keep_the_text(client, hostile_records):
    violations = csv_export(client, "/violations/?format=csv")
    settlements = csv_export(client, "/settlements/?format=csv")
    companies = csv_export(client, "/companies/?format=csv")
    for name, rows in [("violations", violations), ("settlements", settlements)]:
        assert_no_formula(rows, name)
    assert_no_formula(companies, "companies")

    def column(rows, name):
        index = rows[0].index(name)
        return [row[index] for row in rows[1:]]

    # Neutralised with an apostrophe, the text itself kept whole (and read back on import).
    assert "'" + TEXT["company"] in column(violations, "company")
    assert "'" + TEXT["authority"] in column(violations, "authority")
    assert "'" + TEXT["violation_description"] in column(violations, "description")
    assert "'" + TEXT["lawsuit"] in column(settlements, "lawsuit")
    assert "'" + TEXT["class_description"] in column(settlements, "class_description")
    assert "'" + TEXT["settlement_summary"] in column(settlements, "summary")
    assert "'" + TEXT["docket"] in column(settlements, "docket_number")
    assert "'" + TEXT["company"] in column(companies, "name")


def test_the_import_report_neutralises_formulas(hostile_records):
    rows = csv_cells(hostile_records.import_report_csv)
    assert_no_formula(rows, "import report")
    assert any(cell.startswith("'=") for row in rows for cell in row)


def test_the_api_returns_the_exact_text_as_json(client, hostile_records):
    records = hostile_records
    html_accept = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}

    def get(path):
        response = client.get(path, **html_accept)
        assert response.status_code == 200, path
        assert response["Content-Type"] == "application/json", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        return json.loads(response.content)

    company = get(f"/api/companies/{records.company_slug}/")
    assert company["name"] == TEXT["company"]
    assert TEXT["alias"] in company["aliases"]
    assert company["website"] == WEBSITE_URL
    assert get(f"/api/authorities/{records.authority_slug}/")["name"] == TEXT["authority"]
    law = get(f"/api/laws/{records.law_slug}/")
    assert (law["short_name"], law["full_name"]) == (TEXT["law_short_name"], TEXT["law_full_name"])
    lawsuit = get(f"/api/lawsuits/{records.lawsuit_slug}/")
    assert (lawsuit["title"], lawsuit["docket_number"]) == (TEXT["lawsuit"], TEXT["docket"])
    settlement = get(f"/api/settlements/{records.settlement_id}/")
    assert settlement["summary"] == TEXT["settlement_summary"]
    assert settlement["class_description"] == TEXT["class_description"]
    violation = get(f"/api/violations/{records.violation_id}/")
    assert violation["description"] == TEXT["violation_description"]
    for endpoint in ("companies", "authorities", "laws", "lawsuits", "settlements", "violations"):
        body = json.dumps(get(f"/api/{endpoint}/"))
        assert "onerror=alert(" in body, endpoint
