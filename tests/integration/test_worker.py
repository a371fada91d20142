"""The import end to end: a real worker, real Redis, PostgreSQL, feeds served over HTTP."""

import pytest
from django.urls import reverse

from articles import tasks
from articles.models import Article, ArticleStatus, Feed, FeedPoll, Finding, PollOutcome
from tests.articles.server import article_html, rss
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.postgres_only, pytest.mark.timeout(180)]

SETTLEMENT = [
    "Acme Corp has agreed to pay $12 million to settle a class action lawsuit accusing it of "
    "collecting fingerprints from Illinois workers without consent, in violation of the "
    "Biometric Information Privacy Act.",
    "The settlement was filed on Thursday in federal court in Chicago and covers about 9,000 "
    "workers, lawyers for the class said.",
]
FINE = [
    "France's data protection authority CNIL said on Tuesday it had fined Globex SA €8 million "
    "for placing advertising cookies on visitors' devices without their consent.",
    "Globex said it would appeal the decision before the Conseil d'Etat.",
]
SCRIPT_TITLE = "<script>alert('pwned')</script>Initech fined £3m"
SCRIPT_ARTICLE = [
    "The Information Commissioner's Office has fined Initech Ltd £3 million for failing to "
    "secure the personal data of 120,000 customers.",
    "Initech said it had since strengthened its systems.",
]


def terminal(article: Article) -> bool:
    return article.status in {ArticleStatus.EXTRACTED, ArticleStatus.FAILED}


def test_worker_turns_entries_into_articles_and_findings(
    celery_worker_process, server, transactional_db, admin_client
):
    log = celery_worker_process
    server.add("/acme", body=article_html("Acme settles for $12 million", SETTLEMENT))
    server.add("/globex", body=article_html("CNIL fines Globex", FINE))
    server.add("/initech", body=article_html("Initech fined", SCRIPT_ARTICLE))
    server.add("/report.pdf", body=b"%PDF-1.4 binary", content_type="application/pdf")
    server.add("/huge", body=b"<html><body><p>" + b"a" * 300_000 + b"</p></body></html>")
    server.add("/slow", body=article_html("Slow", SETTLEMENT), delay=4)
    server.add("/broken", status=500, body=b"Internal error")
    entries = [
        {"title": "Acme settles", "link": server.url("/acme")},
        {"title": "Globex fined", "link": server.url("/globex?utm_source=feed")},
        {"title": "Globex fined (dup)", "link": server.url("/globex")},
        {"title": SCRIPT_TITLE, "link": server.url("/initech")},
        {"title": "A PDF", "link": server.url("/report.pdf")},
        {"title": "Huge page", "link": server.url("/huge")},
        {"title": "Slow page", "link": server.url("/slow")},
        {"title": "Broken page", "link": server.url("/broken")},
    ]
    feed_url = server.add(
        "/feed.xml", body=rss(entries), content_type="application/rss+xml", etag='"v1"'
    )
    feed = Feed.objects.create(url=feed_url, name="Integration feed", publisher="Wire")

    tasks.fetch_feed.delay(feed.pk)
    wait_for(
        lambda: Article.objects.count() == 7 and all(map(terminal, Article.objects.all())),
        timeout=90,
        what="every article to be extracted or failed",
        log=log,
    )

    poll = FeedPoll.objects.get(feed=feed)
    assert (poll.outcome, poll.http_status, poll.entries_seen, poll.articles_created) == (
        PollOutcome.OK,
        200,
        8,
        7,
    )
    by_path = {a.url.rsplit("/", 1)[-1]: a for a in Article.objects.all()}
    assert {path: (a.status, a.failure_reason) for path, a in by_path.items()} == {
        "acme": ("extracted", ""),
        "globex": ("extracted", ""),
        "initech": ("extracted", ""),
        "report.pdf": ("failed", "not_html"),
        "huge": ("failed", "too_large"),
        "slow": ("failed", "timeout"),
        "broken": ("failed", "http_error"),
    }
    # Network failures were retried once (ARTICLES_FETCH_RETRIES=1) before being recorded.
    assert by_path["broken"].fetch_attempts == 2
    assert by_path["slow"].fetch_attempts == 2
    assert by_path["report.pdf"].fetch_attempts == 1

    acme = Finding.objects.get(article=by_path["acme"])
    assert (acme.kind, acme.amount, acme.currency, acme.company_name, acme.law_name) == (
        "settlement",
        12000000,
        "USD",
        "Acme",
        "BIPA",
    )
    globex = Finding.objects.get(article=by_path["globex"])
    assert (globex.kind, globex.amount, globex.currency, globex.authority_name) == (
        "fine",
        8000000,
        "EUR",
        "CNIL",
    )
    initech_article = by_path["initech"]
    assert initech_article.title == "Initech fined £3m"
    initech = Finding.objects.get(article=initech_article)
    assert (initech.amount, initech.currency) == (3000000, "GBP")

    for url in (
        reverse("admin:articles_finding_changelist"),
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_change", args=[initech_article.pk]),
        reverse("admin:articles_feed_change", args=[feed.pk]),
    ):
        page = admin_client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "alert('pwned')" not in page

    # The second poll: the server answers 304 to the stored ETag; nothing new appears.
    findings_before = Finding.objects.count()
    tasks.fetch_feed.delay(feed.pk)
    wait_for(
        lambda: FeedPoll.objects.filter(feed=feed).count() == 2,
        timeout=30,
        what="the second poll",
        log=log,
    )
    second = FeedPoll.objects.filter(feed=feed).latest()
    assert (second.outcome, second.http_status, second.articles_created) == (
        PollOutcome.UNCHANGED,
        304,
        0,
    )
    assert Article.objects.count() == 7
    assert Finding.objects.count() == findings_before


def test_worker_records_failing_feeds_without_losing_the_good_one(
    celery_worker_process, server, transactional_db
):
    log = celery_worker_process
    server.add("/acme", body=article_html("Acme settles for $12 million", SETTLEMENT))
    feeds = {
        "good": server.add(
            "/good.xml",
            body=rss([{"title": "Acme settles", "link": server.url("/acme")}]),
            content_type="application/rss+xml",
        ),
        "error": server.add("/error.xml", status=500, body=b"down"),
        "slow": server.add("/slow.xml", body=rss([]), content_type="application/rss+xml", delay=4),
        "malformed": server.add(
            "/malformed.xml", body=b"<rss><channel><item><title>broken", content_type="text/xml"
        ),
    }
    for name, url in feeds.items():
        Feed.objects.create(url=url, name=name)

    tasks.poll_feeds.delay()  # the beat task: queues a poll of every due feed
    wait_for(
        lambda: (
            FeedPoll.objects.count() == 4
            and Article.objects.filter(status=ArticleStatus.EXTRACTED).count() == 1
        ),
        timeout=60,
        what="all four polls and the good article",
        log=log,
    )
    outcomes = {poll.feed.name: poll.outcome for poll in FeedPoll.objects.select_related("feed")}
    assert outcomes == {
        "good": PollOutcome.OK,
        "error": PollOutcome.HTTP_ERROR,
        "slow": PollOutcome.TIMEOUT,
        "malformed": PollOutcome.MALFORMED,
    }
    for feed in Feed.objects.exclude(name="good"):
        assert feed.consecutive_failures == 1
        assert feed.retry_after is not None
        assert feed.last_error
    assert Finding.objects.get().amount == 12000000
