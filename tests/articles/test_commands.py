"""The import_articles and extract_findings commands, and the bundled demo feed."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.demo import ARTICLES_DIR, FEED_PATH, build_feed, expectations
from articles.models import Article, Finding

SEED_ARTICLE = (
    Path(__file__).resolve().parents[3] / "shared" / "seed" / "tiktok-92m-settlement-article.txt"
)


def run(*args, stdin: str | None = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        import sys
        from unittest import mock

        with mock.patch.object(sys, "stdin", io.StringIO(stdin)):
            call_command(*args, stdout=out)
    else:
        call_command(*args, stdout=out)
    return out.getvalue()


def test_extract_findings_prints_the_documented_shape_for_the_seed(db):
    output = json.loads(run("extract_findings", str(SEED_ARTICLE), "--published", "2021-02-26"))
    assert output["companies"] == ["TikTok", "ByteDance"]
    settlement, penalty = output["findings"]
    assert {
        key: settlement[key]
        for key in ("kind", "company", "amount", "currency", "year", "date", "date_precision")
    } == {
        "kind": "settlement",
        "company": "TikTok",
        "amount": "92000000",
        "currency": "USD",
        "year": 2021,
        "date": "2021-02-26",
        "date_precision": "day",
    }
    assert settlement["headline"] is True
    assert settlement["authority"] is None and settlement["law"] is None
    assert "agreed to a $92 million settlement" in settlement["sentence"]
    assert (penalty["amount"], penalty["currency"], penalty["year"], penalty["headline"]) == (
        "5700000",
        "USD",
        2019,
        False,
    )


def test_extract_findings_reads_html_from_stdin(db):
    html = (
        "<html><head><title>Acme fined</title></head><body><article><h1>Acme fined</h1>"
        "<p>The CNIL said on Thursday it had fined Acme Corp €8 million for placing cookies "
        "without consent, one of its largest penalties this year.</p>"
        "<p>Acme said it would appeal the decision before the Conseil d'Etat.</p>"
        "</article></body></html>"
    )
    output = json.loads(run("extract_findings", "-", "--published", "2023-06-17", stdin=html))
    (finding,) = output["findings"]
    assert (finding["amount"], finding["currency"], finding["authority"], finding["date"]) == (
        "8000000",
        "EUR",
        "CNIL",
        "2023-06-15",
    )


def test_extract_findings_errors_clearly(db):
    with pytest.raises(CommandError, match="No such file"):
        run("extract_findings", "/nonexistent/article.txt")


def test_import_demo_feed_file_creates_articles_and_findings_once(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = run("import_articles", "--file", str(FEED_PATH))
    corpus = expectations()
    assert f"{len(corpus)} new article(s)" in output
    assert Article.objects.filter(status="extracted").count() == len(corpus)
    headlines = Finding.objects.filter(is_headline=True).count()
    assert headlines == sum(1 for a in corpus if a["headline"])
    findings = Finding.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        again = run("import_articles", "--file", str(FEED_PATH))
    assert "0 new article(s)" in again
    assert Finding.objects.count() == findings


def test_import_rejects_bad_input(db, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("not a feed at all")
    with pytest.raises(CommandError, match="Not a readable feed"):
        run("import_articles", "--file", str(bad))
    with pytest.raises(CommandError, match="not an http"):
        run("import_articles", "--feed", "file:///etc/passwd")


def test_import_one_feed_by_address(db, server):
    from tests.articles.server import rss

    url = server.add("/f.xml", body=rss([]), content_type="application/rss+xml")
    assert "ok, 0 new article(s)" in run("import_articles", "--feed", url)
    assert "ok, 0 new article(s)" in run("import_articles")  # all active feeds


def test_demo_feed_is_current_and_matches_the_corpus():
    assert FEED_PATH.read_text(encoding="utf-8") == build_feed()
    slugs = {a["slug"] for a in expectations()}
    assert slugs == {p.stem for p in ARTICLES_DIR.glob("*.txt")}
    assert len(slugs) >= 30
