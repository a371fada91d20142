"""Celery tasks of the import: thin wrappers that take ids and call the services.

Every task is idempotent (the row's state decides what is left to do), so ``acks_late``
with ``reject_on_worker_lost`` can safely run one twice after a worker dies, and a task that
fails because the database is unreachable (a restart, a failover) is simply retried later.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from articles import services
from articles.fetching import FetchError
from articles.models import Feed

logger = logging.getLogger(__name__)

IDEMPOTENT = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # A database outage fails every running task at once: each retries with backoff, and the
    # sweeper re-queues whatever outlives the retries.
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": settings.ARTICLES_RETRY_BACKOFF_SECONDS,
    "retry_backoff_max": 600,
    "retry_kwargs": {"max_retries": 8},
}


@shared_task(**IDEMPOTENT)
def poll_feeds() -> int:
    """Queue a poll of every active feed that is not backing off after failures."""
    feed_ids = list(Feed.objects.due(timezone.now()).values_list("pk", flat=True))
    for feed_id in feed_ids:
        fetch_feed.delay(feed_id)
    return len(feed_ids)


@shared_task(**IDEMPOTENT)
def fetch_feed(feed_id: int) -> dict:
    """Poll one feed; failures are recorded on the feed, which then backs off."""
    feed = Feed.objects.filter(pk=feed_id).first()
    if feed is None:
        return {"feed": feed_id, "outcome": "missing"}
    result = services.feed_poll(feed)
    enqueue_article_work(result.to_fetch, result.to_extract)
    return {
        "feed": feed_id,
        "outcome": result.poll.outcome,
        "articles_created": result.poll.articles_created,
    }


def enqueue_article_work(to_fetch, to_extract) -> None:
    for article_id in to_fetch:
        fetch_article.delay_on_commit(article_id)
    for article_id in to_extract:
        extract_findings.delay_on_commit(article_id)


@shared_task(bind=True, max_retries=None, **IDEMPOTENT)
def fetch_article(self, article_id: int) -> str | None:
    """Read one article's page and extract its findings; network errors and 5xx are retried
    with exponential backoff."""
    # In-process (no broker) there is no one to run a delayed retry: one try, then recorded.
    retries_left = (
        not self.request.is_eager and self.request.retries < settings.ARTICLES_FETCH_RETRIES
    )
    try:
        article = services.article_fetch(article_id, final_attempt=not retries_left)
    except FetchError as error:
        countdown = settings.ARTICLES_RETRY_BACKOFF_SECONDS * 2**self.request.retries
        logger.info("Retrying article %s in %ss: %s", article_id, countdown, error.detail)
        raise self.retry(exc=error, countdown=countdown) from error
    # Extraction follows in this task, not in a task of its own: no second message per
    # article, and no extraction queued behind every fetch a large feed queued first.
    if article is None:
        # Already past fetching; if a worker died between fetch and extraction (acks_late
        # delivers this again), finish the job. An extracted article is left as it is.
        services.article_extract(article_id)
        return None
    if article.status == article.Status.FETCHED:
        services.article_extract(article.pk)
        article.refresh_from_db(fields=["status"])
    return article.status


@shared_task(**IDEMPOTENT)
def extract_findings(article_id: int, force: bool = False) -> int:
    return len(services.article_extract(article_id, force=force))


@shared_task(**IDEMPOTENT)
def sweep_stuck_articles() -> dict:
    """Re-queue work that a lost message or a dead worker left undone."""
    result = services.articles_sweep()
    enqueue_article_work(result.to_fetch, result.to_extract)
    return {
        "fetch": len(result.to_fetch),
        "extract": len(result.to_extract),
        "failed": len(result.failed),
    }
