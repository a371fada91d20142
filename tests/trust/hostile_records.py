"""Hostile text put into every field that reaches the public, through the real ways in: the
admin's forms, the admin's CSV import (upload, preview, confirm) and the article import
(a feed and an article served on 127.0.0.1, polled from the admin, the finding accepted
from the review queue).

Each field gets its own tag, so a failure names the field; each payload carries a script
tag, an attribute breaker with an event handler, template syntax, a ``javascript:`` URL, a
spreadsheet formula at its start, a right-to-left override and control characters.
"""

import csv
import io
from dataclasses import dataclass

import lxml.html
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.articles.server import LocalServer, article_html, rss

CONTROL = "\x07\x1b\x7f"
RTL = "\u202e"


def hostile(tag: str, start: str = "=") -> str:
    """At most 200 characters (the shortest long field)."""
    return (
        f'{start}HYPERLINK("http://evil.example/{tag}","x")'
        f"<script>alert('{tag}')</script>"
        f"\"'><img src=x onerror=alert('{tag}') id=injected>"
        f'{{{{ 7|add:7 }}}}{{% now "Y" %}} javascript:alert(1) {RTL}{tag}{CONTROL}'
    )


def short_hostile(tag: str, start: str = "=") -> str:
    """At most 40 characters, for short names and abbreviations."""
    return f"{start}\"'><img src=x onerror=alert(1)>{{{{{tag[:2]}}}}}\x07"


# Markers that are only in the page as text if the hostile text reached it escaped.
MARKERS = ("<img src=x onerror=alert(", "\"'><img")

TEXT = {
    "law_short_name": short_hostile("law", "-"),
    "law_full_name": hostile("law-full", "+"),
    "company": hostile("company", "="),
    "alias": short_hostile("alias", "@"),
    "company_description": hostile("company-description", "-"),
    "authority": hostile("authority", "+"),
    "authority_abbreviation": short_hostile("abbr", "="),
    "violation_description": hostile("violation", "-") + "\n\n" + hostile("violation-2", "@"),
    "lawsuit": hostile("lawsuit", "@"),
    "docket": short_hostile("docket", "+"),
    "class_description": hostile("class", "+"),
    "settlement_summary": hostile("settlement", "="),
    "feed_name": hostile("feed-name", "="),
    "feed_publisher": short_hostile("publisher", "@"),
    "feed_title": hostile("feed-title", "-"),
    "article_title": hostile("article", "="),
}
# Valid http(s) addresses whose query breaks out of an attribute if written unescaped.
SOURCE_URL = "https://evil.example/a?q=\"'><svg/onload=alert('source')>&x=<script>"
WEBSITE_URL = "https://evil.example/?\"'><svg/onload=alert('website')>"
JAVASCRIPT_URL = "javascript:alert('source')"

# The finding's sentence: the extractor reads a fact from it, around hostile text.
FINDING_HTML = (
    "Evilcorp agreed to pay $12 million to settle a class action lawsuit, "
    "&lt;script&gt;alert('finding')&lt;/script&gt; &quot;'&gt;&lt;img src=x "
    "onerror=alert('finding')&gt; {{ 7|add:7 }} =HYPERLINK(\"x\") said the court."
)


@dataclass
class HostileRecords:
    company_slug: str
    lawsuit_slug: str
    authority_slug: str
    law_slug: str
    settlement_id: int
    violation_id: int
    accepted_settlement_id: int
    finding_id: int
    feed_id: int
    article_id: int
    import_report_csv: str
    pending_queue_html: str


def form_values(html: bytes | str, form_id: str, changes: dict) -> dict:
    """A form's current values as the browser would send them, with some changed."""
    document = lxml.html.fromstring(html.decode() if isinstance(html, bytes) else html)
    form = document.get_element_by_id(form_id)
    values = dict(form.form_values())
    values.pop("_saveasnew", None)
    values.update(changes)
    return values


def admin_save(client, url: str, form_id: str, changes: dict):
    page = client.get(url)
    assert page.status_code == 200, url
    response = client.post(url, form_values(page.content, form_id, {**changes, "_save": "Save"}))
    errors = response.context and response.context.get("errors")
    assert response.status_code == 302, (url, errors)
    return response


def csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    stream = io.StringIO()
    writer = csv.DictWriter(stream, columns, extrasaction="raise")
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue().encode()


def admin_import(client, url: str, data: bytes) -> str:
    """Upload, preview, confirm; returns the per-row report the admin offers."""
    upload = SimpleUploadedFile("hostile.csv", data, content_type="text/csv")
    preview = client.post(url, {"file": upload, "publish": "on"})
    assert preview.status_code == 200
    assert "confirm_form" in preview.context, preview.content.decode()[:3000]
    token = preview.context["confirm_form"].initial["token"]
    confirmed = client.post(url, {"token": token})
    assert confirmed.status_code == 200
    report = client.get(url + "?report=1")
    assert report["Content-Type"] == "text/csv"
    return report.content.decode()


def build_hostile_records(client, server, capture_on_commit) -> HostileRecords:
    """Everything through the admin of a logged-in superuser ``client``."""
    from articles.models import Article, Feed, Finding
    from cases.csv_layout import SETTLEMENT_COLUMNS, VIOLATION_COLUMNS
    from cases.models import Authority, Law, Lawsuit, Settlement, Source, Violation
    from companies.models import Company

    # A law, typed into the admin.
    admin_save(
        client,
        reverse("admin:cases_law_add"),
        "law_form",
        {
            "short_name": TEXT["law_short_name"],
            "slug": "hostile-law",
            "full_name": TEXT["law_full_name"],
            "jurisdiction": "US",
            "is_published": "on",
        },
    )
    law = Law.objects.get(slug="hostile-law")

    # Penalties from a CSV in Casetrack's own layout, through the admin's import.
    blank_violation = dict.fromkeys(VIOLATION_COLUMNS, "")
    violations = [
        {
            **blank_violation,
            "record_type": "violation",
            "company": TEXT["company"],
            "company_slug": "hostile-co",
            "authority": TEXT["authority"],
            "authority_slug": "hostile-authority",
            "authority_country": "US",
            "kind": "fine",
            "status": "final",
            "amount": "1000000",
            "currency": "USD",
            "decided_on": "2021-03-04",
            "laws": law.slug,
            "description": TEXT["violation_description"],
            "sources": SOURCE_URL,
        },
        {  # Refused address: the row is flagged and its source left out.
            **blank_violation,
            "record_type": "violation",
            "id": '=HYPERLINK("http://evil.example/report","x")',  # lands in the report
            "company_slug": "hostile-co",
            "authority_slug": "hostile-authority",
            "kind": "fine",
            "status": "final",
            "amount": "2000000",
            "currency": "USD",
            "decided_on": "2022",
            "description": TEXT["violation_description"],
            "sources": JAVASCRIPT_URL,
        },
    ]
    report = admin_import(
        client,
        reverse("admin:cases_violation_import"),
        csv_bytes(VIOLATION_COLUMNS, violations),
    )
    blank_settlement = dict.fromkeys(SETTLEMENT_COLUMNS, "")
    settlements = [
        {
            **blank_settlement,
            "record_type": "settlement",
            "lawsuit": TEXT["lawsuit"],
            "lawsuit_slug": "hostile-lawsuit",
            "lawsuit_kind": "class_action",
            "defendants": "hostile-co",
            "authority_slug": "hostile-authority",
            "docket_number": TEXT["docket"],
            "laws": law.slug,
            "status": "final_approval",
            "amount": "3000000",
            "currency": "USD",
            "announced_on": "2021-02",
            "class_description": TEXT["class_description"],
            "summary": TEXT["settlement_summary"],
            "sources": SOURCE_URL,
        }
    ]
    report += admin_import(
        client,
        reverse("admin:cases_settlement_import"),
        csv_bytes(SETTLEMENT_COLUMNS, settlements),
    )

    company = Company.objects.get(slug="hostile-co")
    authority = Authority.objects.get(slug="hostile-authority")
    # The company and the authority, edited in the admin: aliases, website, description.
    admin_save(
        client,
        reverse("admin:companies_company_change", args=[company.pk]),
        "company_form",
        {
            "website": WEBSITE_URL,
            "description": TEXT["company_description"],
            "country": "US",
            "aliases-0-name": TEXT["alias"],
            "aliases-1-name": "Evilcorp",
            "aliases-TOTAL_FORMS": "2",
            "is_published": "on",
        },
    )
    admin_save(
        client,
        reverse("admin:cases_authority_change", args=[authority.pk]),
        "authority_form",
        {"abbreviation": TEXT["authority_abbreviation"], "website": WEBSITE_URL},
    )

    # A feed served on 127.0.0.1, added and polled from the admin.
    server.add(
        "/evil-article",
        body=article_html(
            TEXT["article_title"].replace("<", "&lt;").replace(">", "&gt;"),
            [FINDING_HTML, "The company denied wrongdoing."],
        ),
    )
    server.add(
        "/feed.xml",
        body=rss(
            [{"title": TEXT["article_title"], "link": server.url("/evil-article")}],
            title=TEXT["feed_title"].replace(CONTROL, ""),  # not well-formed XML otherwise
        ),
        content_type="application/rss+xml",
    )
    admin_save(
        client,
        reverse("admin:articles_feed_add"),
        "feed_form",
        {
            "url": server.url("/feed.xml"),
            "name": TEXT["feed_name"],
            "publisher": TEXT["feed_publisher"],
            "is_active": "on",
        },
    )
    feed = Feed.objects.get()
    with capture_on_commit(execute=True):
        client.post(
            reverse("admin:articles_feed_changelist"),
            {"action": "poll_now", "_selected_action": [feed.pk]},
        )
    article = Article.objects.get()
    finding = Finding.objects.get(article=article, amount=12_000_000)
    assert finding.company == company, finding.company_name
    # The review queue as the editor sees it before accepting.
    pending_queue = client.get(reverse("admin:articles_finding_changelist"))
    assert pending_queue.status_code == 200
    with capture_on_commit(execute=True):
        client.post(
            reverse("admin:articles_finding_changelist"),
            {"action": "accept_selected", "_selected_action": [finding.pk]},
        )
    finding.refresh_from_db()
    assert finding.settlement is not None, finding.status

    # Everything public is published (flagged import rows by an editor's choice).
    assert not Source.objects.filter(url__startswith="javascript").exists()
    for model in (Violation, Settlement, Lawsuit, Company, Authority, Law):
        model.objects.update(is_published=True)
    return HostileRecords(
        company_slug=company.slug,
        lawsuit_slug="hostile-lawsuit",
        authority_slug=authority.slug,
        law_slug=law.slug,
        settlement_id=Settlement.objects.get(amount=3_000_000).pk,
        violation_id=Violation.objects.get(amount=1_000_000).pk,
        accepted_settlement_id=finding.settlement_id,
        finding_id=finding.pk,
        feed_id=feed.pk,
        article_id=article.pk,
        import_report_csv=report,
        pending_queue_html=pending_queue.content.decode(),
    )


def import_hostile_records(client, settings, capture_on_commit_callbacks):
    """The hostile records, imported from a feed served on 127.0.0.1 for the test's length."""
    settings.ARTICLES_ALLOW_PRIVATE_ADDRESSES = True
    settings.ARTICLES_HTTP_TIMEOUT_SECONDS = 2.0
    with LocalServer() as server:
        return build_hostile_records(client, server, capture_on_commit_callbacks)
