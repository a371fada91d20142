"""Polls, articles and findings through the services and the (eager) tasks."""

import datetime

import pytest
from django.utils import timezone

from articles import services, tasks
from articles.models import Article, ArticleStatus, Feed, FeedPoll, Finding, PollOutcome
from tests.articles.server import article_html, rss

SETTLEMENT_PARAGRAPHS = [
    "Acme Corp has agreed to pay $12 million to settle a class action lawsuit accusing it of "
    "collecting fingerprints from Illinois workers without consent, in violation of the "
    "Biometric Information Privacy Act.",
    "The settlement was filed on Thursday in federal court in Chicago and covers about "
    "9,000 workers.",
]
FINE_PARAGRAPHS = [
    "France's data protection authority CNIL said on Tuesday it had fined Acme Corp "
    "€8 million for placing advertising cookies without consent.",
    "The company said it would appeal.",
]


@pytest.fixture
def feed(db, server):
    server.add(
        "/acme-settles",
        body=article_html("Acme settles biometric suit for $12 million", SETTLEMENT_PARAGRAPHS),
    )
    server.add("/acme-fined", body=article_html("CNIL fines Acme €8 million", FINE_PARAGRAPHS))
    server.add(
        "/feed.xml",
        body=rss(
            [
                {"title": "Acme settles", "link": server.url("/acme-settles")},
                {"title": "Acme fined", "link": server.url("/acme-fined?utm_source=rss")},
                # The same article listed twice (another spelling of the address).
                {"title": "Acme fined (again)", "link": server.url("/acme-fined")},
            ]
        ),
        content_type="application/rss+xml",
        etag='"feed-v1"',
    )
    return services.feed_create(url=server.url("/feed.xml"), name="Test feed", publisher="Wire")


def run_feed(feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.fetch_feed.delay(feed.pk).get()


def test_poll_creates_articles_and_findings_once(feed, django_capture_on_commit_callbacks):
    result = run_feed(feed, django_capture_on_commit_callbacks)
    assert result["articles_created"] == 2
    assert Article.objects.count() == 2
    assert set(Article.objects.values_list("status", flat=True)) == {ArticleStatus.EXTRACTED}
    settlement = Finding.objects.get(article__url__endswith="/acme-settles")
    assert (settlement.kind, settlement.amount, settlement.currency) == (
        "settlement",
        12000000,
        "USD",
    )
    assert settlement.company_name == "Acme"
    assert settlement.law_name == "BIPA"
    fine = Finding.objects.get(article__url__endswith="/acme-fined")
    assert (fine.kind, fine.amount, fine.currency, fine.authority_name) == (
        "fine",
        8000000,
        "EUR",
        "CNIL",
    )
    first_poll = FeedPoll.objects.get()
    assert (first_poll.outcome, first_poll.entries_seen, first_poll.articles_created) == (
        PollOutcome.OK,
        3,
        2,
    )

    # The second poll: the server answers 304 to the ETag; nothing new is created.
    second = run_feed(feed, django_capture_on_commit_callbacks)
    assert second["outcome"] == PollOutcome.UNCHANGED
    assert Article.objects.count() == 2
    assert Finding.objects.count() == 2
    assert FeedPoll.objects.count() == 2
    assert FeedPoll.objects.latest().http_status == 304


def test_running_each_task_twice_changes_nothing(feed, django_capture_on_commit_callbacks):
    run_feed(feed, django_capture_on_commit_callbacks)
    feed.etag = ""  # make the feed answer in full again
    feed.save()
    run_feed(feed, django_capture_on_commit_callbacks)
    assert Article.objects.count() == 2
    article = Article.objects.first()
    assert tasks.fetch_article.delay(article.pk).get() is None
    before = list(Finding.objects.values_list("pk", flat=True).order_by("pk"))
    tasks.extract_findings.delay(article.pk).get()
    assert list(Finding.objects.values_list("pk", flat=True).order_by("pk")) == before


def test_same_article_in_two_feeds_is_one_article(feed, server, django_capture_on_commit_callbacks):
    server.add(
        "/other.xml",
        body=rss([{"title": "Acme fined", "link": server.url("/acme-fined#comments")}]),
        content_type="application/rss+xml",
    )
    other = services.feed_create(url=server.url("/other.xml"), name="Other")
    run_feed(feed, django_capture_on_commit_callbacks)
    result = run_feed(other, django_capture_on_commit_callbacks)
    assert result["articles_created"] == 0
    assert Article.objects.filter(url__endswith="/acme-fined").count() == 1


@pytest.mark.parametrize(
    ("route", "outcome"),
    [
        ({"status": 500, "body": b"down"}, PollOutcome.HTTP_ERROR),
        ({"body": b"<<< not a feed", "content_type": "application/rss+xml"}, PollOutcome.MALFORMED),
        ({"body": b"late", "delay": 2.0}, PollOutcome.TIMEOUT),
        ({"body": b"%PDF", "content_type": "application/pdf"}, PollOutcome.REFUSED),
    ],
)
def test_failed_polls_are_recorded_and_back_off(db, server, route, outcome, settings):
    settings.ARTICLES_HTTP_TIMEOUT_SECONDS = 0.3
    settings.FEED_POLL_INTERVAL_MINUTES = 15
    url = server.add("/broken.xml", **route)
    feed = services.feed_create(url=url, name="Broken")
    before = timezone.now()
    services.feed_poll(feed)
    services.feed_poll(feed)
    feed.refresh_from_db()
    assert feed.last_outcome == outcome
    assert feed.consecutive_failures == 2
    # Two failures: the next scheduled poll waits twice the interval.
    assert feed.retry_after >= before + datetime.timedelta(minutes=30)
    assert feed.retry_after < before + datetime.timedelta(minutes=31)
    assert list(Feed.objects.due(timezone.now())) == []
    assert FeedPoll.objects.filter(feed=feed, outcome=outcome).count() == 2
    assert FeedPoll.objects.filter(feed=feed).first().error


def test_backoff_is_capped_and_cleared_by_a_success(db, server, settings):
    settings.FEED_MAX_BACKOFF_HOURS = 2
    url = server.add("/flaky.xml", status=503, body=b"")
    feed = services.feed_create(url=url, name="Flaky")
    for _ in range(8):
        services.feed_poll(feed)
    assert feed.retry_after <= timezone.now() + datetime.timedelta(hours=2)
    server.add("/flaky.xml", body=rss([]), content_type="application/rss+xml")
    services.feed_poll(feed)
    feed.refresh_from_db()
    assert (feed.consecutive_failures, feed.retry_after, feed.last_outcome) == (0, None, "ok")


def test_poll_feeds_skips_inactive_and_backing_off_feeds(db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    due = Feed.objects.create(url="https://a.example.org/feed", name="A")
    Feed.objects.create(url="https://b.example.org/feed", name="B", is_active=False)
    Feed.objects.create(
        url="https://c.example.org/feed",
        name="C",
        retry_after=timezone.now() + datetime.timedelta(hours=1),
    )
    from unittest import mock

    with mock.patch.object(tasks.fetch_feed, "delay") as delay:
        assert tasks.poll_feeds() == 1
    delay.assert_called_once_with(due.pk)


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ({"body": b"%PDF-1.4", "content_type": "application/pdf"}, "not_html"),
        ({"body": b"x" * 50_000}, "too_large"),
        ({"status": 404, "body": b""}, "http_error"),
        ({"body": b"<html><body><nav>menu</nav></body></html>"}, "no_text"),
    ],
)
def test_article_failures_are_recorded_without_retrying(db, server, settings, route, reason):
    settings.ARTICLES_MAX_RESPONSE_BYTES = 20_000
    url = server.add("/article", **route)
    article = Article.objects.create(url=url, title="An article")
    services.article_fetch(article.pk, final_attempt=False)
    article.refresh_from_db()
    assert (article.status, article.failure_reason) == (ArticleStatus.FAILED, reason)
    assert article.failure_detail


def test_article_network_errors_retry_then_fail(db, server, settings):
    settings.ARTICLES_FETCH_RETRIES = 2
    url = server.add("/down", status=502, body=b"")
    article = Article.objects.create(url=url, title="Down")
    with pytest.raises(tasks.FetchError):
        services.article_fetch(article.pk, final_attempt=False)
    article.refresh_from_db()
    assert (article.status, article.fetch_attempts) == (ArticleStatus.NEW, 1)
    # A worker's last retry records the failure instead of raising again.
    services.article_fetch(article.pk, final_attempt=True)
    article.refresh_from_db()
    assert (article.status, article.failure_reason) == (ArticleStatus.FAILED, "http_error")
    assert article.fetch_attempts == 2


def test_in_process_fetch_records_a_network_error_without_raising(db, server):
    url = server.add("/down", status=503, body=b"")
    article = Article.objects.create(url=url, title="Down")
    assert tasks.fetch_article.delay(article.pk).get() == ArticleStatus.FAILED
    article.refresh_from_db()
    assert (article.failure_reason, article.fetch_attempts) == ("http_error", 1)


def test_worker_retries_network_errors_with_exponential_backoff(db, server, settings):
    from unittest import mock

    from celery.exceptions import Retry

    settings.ARTICLES_RETRY_BACKOFF_SECONDS = 10
    url = server.add("/down", status=503, body=b"")
    article = Article.objects.create(url=url, title="Down")
    with mock.patch.object(tasks.fetch_article, "retry", side_effect=Retry()) as retry:
        tasks.fetch_article.push_request(retries=2, is_eager=False)
        try:
            with pytest.raises(Retry):
                tasks.fetch_article.run(article.pk)
        finally:
            tasks.fetch_article.pop_request()
    assert retry.call_args.kwargs["countdown"] == 40  # 10 s x 2^2
    article.refresh_from_db()
    assert article.status == ArticleStatus.NEW


def test_forced_re_extraction_keeps_decided_findings(
    feed, django_capture_on_commit_callbacks, editor
):
    run_feed(feed, django_capture_on_commit_callbacks)
    article = Article.objects.get(url__endswith="/acme-settles")
    finding = article.findings.get()
    services.finding_reject(finding, user=editor, note="Not our scope")
    article.refresh_from_db()
    assert article.status == ArticleStatus.REVIEWED
    services.article_extract(article.pk, force=True)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.REJECTED
    assert article.findings.count() == 1


def test_sweeper_requeues_stuck_articles_and_gives_up_eventually(db, settings):
    settings.ARTICLES_STUCK_AFTER_MINUTES = 30
    settings.ARTICLES_MAX_FETCH_ATTEMPTS = 3
    old = timezone.now() - datetime.timedelta(hours=2)
    stuck_new = Article.objects.create(url="https://x.example.org/1", title="1")
    stuck_fetched = Article.objects.create(
        url="https://x.example.org/2", title="2", status=ArticleStatus.FETCHED, text="Text."
    )
    hopeless = Article.objects.create(url="https://x.example.org/3", title="3", fetch_attempts=3)
    recent = Article.objects.create(url="https://x.example.org/4", title="4")
    Article.objects.exclude(pk=recent.pk).update(status_changed_at=old)

    result = services.articles_sweep()
    assert result.to_fetch == [stuck_new.pk]
    assert result.to_extract == [stuck_fetched.pk]
    assert result.failed == [hopeless.pk]
    # Re-queued work is not re-queued again before another deadline passes.
    again = services.articles_sweep()
    assert (again.to_fetch, again.to_extract, again.failed) == ([], [], [])


def test_feed_content_is_used_without_fetching(db):
    from articles.parsing import FeedEntry

    entry = FeedEntry(
        url="https://news.example.org/full",
        guid="full",
        title="Full",
        summary="",
        content="Acme Corp was fined €2 million by the CNIL. " * 10,
        published_on=datetime.date(2023, 1, 5),
    )
    article, created = services.article_claim(entry, feed=None)
    assert created and article.status == ArticleStatus.FETCHED
    assert bytes(article.raw_payload).startswith(b"Acme Corp")
    again, created_again = services.article_claim(entry, feed=None)
    assert (again.pk, created_again) == (article.pk, False)


def test_an_extractor_error_fails_the_article_instead_of_leaving_it_stuck(db):
    from unittest import mock

    article = Article.objects.create(
        url="https://x.example.org/crash", title="Crash", status=ArticleStatus.FETCHED, text="T."
    )
    with mock.patch("articles.extraction.extract", side_effect=RuntimeError("boom")):
        assert services.article_extract(article.pk) == []
    article.refresh_from_db()
    assert (article.status, article.failure_reason) == ("failed", "extraction_error")
    assert "boom" in article.failure_detail


@pytest.mark.parametrize("url", ["ftp://example.org/feed.xml", "file:///etc/passwd", "not a url"])
def test_feeds_must_be_http_or_https(db, url):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.feed_create(url=url, name="Bad")
    assert not Feed.objects.exists()


def _fetched(url: str, text: str) -> Article:
    return Article.objects.create(
        url=url, title="News", status=ArticleStatus.FETCHED, text=text, content_hash=url
    )


def test_the_name_finder_is_built_once_and_rebuilt_when_names_change(db):
    from articles.selectors import _known_names_cache, name_finder
    from companies.models import CompanyAlias
    from companies.services import company_create

    _known_names_cache.clear()
    first = name_finder()
    assert name_finder() is first  # nothing changed: no rebuild
    company = company_create(name="Quillfeather Systems")
    second = name_finder()
    assert second is not first
    assert name_finder() is second
    CompanyAlias.objects.create(company=company, name="Quillco")
    third = name_finder()
    assert third is not second
    company.name = "Quillfeather Labs"
    company.save()
    assert name_finder() is not third
    fourth = name_finder()
    company.delete()
    assert name_finder() is not fourth


def test_a_company_added_by_an_editor_is_found_by_the_next_extraction(db):
    from articles.selectors import _known_names_cache
    from companies.services import company_create

    _known_names_cache.clear()
    text = (
        "Data fine announced\n\nA $4 million fine was imposed on Zarnak Systems over its "
        "data practices, the regulator said on Monday."
    )
    before = _fetched("https://x.example.org/zarnak-1", text)
    services.article_extract(before.pk)
    assert [f.company_name for f in Finding.objects.filter(article=before)] == [""]
    zarnak = company_create(name="Zarnak Systems")
    after = _fetched("https://x.example.org/zarnak-2", text)
    services.article_extract(after.pk)
    finding = Finding.objects.get(article=after)
    assert (finding.company_name, finding.company) == ("Zarnak Systems", zarnak)


def test_a_redelivered_fetch_finishes_an_article_left_fetched(db):
    """A worker died between fetching and extracting: the fetch task, delivered again,
    extracts the article instead of leaving it to the sweeper."""
    article = _fetched("https://x.example.org/left", "\n\n".join(FINE_PARAGRAPHS))
    assert tasks.fetch_article.run(article.pk) is None
    article.refresh_from_db()
    assert article.status == ArticleStatus.EXTRACTED
    assert [(f.amount, f.currency) for f in article.findings.all()] == [(8000000, "EUR")]


def test_claims_fall_back_to_one_by_one_when_the_batch_conflicts(
    feed, django_capture_on_commit_callbacks
):
    from unittest import mock

    from django.db import IntegrityError

    with mock.patch.object(Article.objects, "bulk_create", side_effect=IntegrityError):
        result = run_feed(feed, django_capture_on_commit_callbacks)
    assert result["articles_created"] == 2
    assert Article.objects.count() == 2
    assert set(Article.objects.values_list("status", flat=True)) == {ArticleStatus.EXTRACTED}
