"""Faults: workers killed, Redis and PostgreSQL stopped mid-work, two workers on one feed,
the web process while the database is down.

Each test owns what it breaks: a throwaway PostgreSQL cluster and a throwaway Redis started
here (never the machine's own servers, which other processes share), real `celery worker`
processes, gunicorn, and feeds served on 127.0.0.1. Waits are on conditions with
deadlines; nothing here measures time.
"""

import os
import secrets
import subprocess
import sys
import threading
import uuid

import httpx
import pytest
from django.db import InterfaceError, OperationalError, connections

from articles import tasks
from articles.models import Article, ArticleStatus, Feed, FeedPoll, Finding
from tests.articles.server import article_html, rss
from tests.integration.conftest import reset_celery_connections
from tests.integration.processes import (
    BASE_DIR,
    ThrowawayPostgres,
    ThrowawayRedis,
    Worker,
    free_port,
    read_tail,
    stop_process,
    wait_until,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.timeout(300)]

ALIAS = "faults"  # the test process's connection to the throwaway cluster
TEMPLATE = "casetrack_faults_template"


# --- Fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    """A migrated PostgreSQL cluster; each test gets a fresh copy of its template database."""
    postgres = ThrowawayPostgres()
    try:
        postgres.init()
        postgres.start()
        postgres.execute(f"CREATE DATABASE {TEMPLATE}")
        env = {**os.environ, "DATABASE_URL": postgres.url(TEMPLATE)}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
            timeout=300,
        )
        yield postgres
    finally:
        postgres.destroy()


@pytest.fixture
def database(cluster, django_db_blocker):
    """A database of the test's own, reachable in this process as ``using(ALIAS)``."""
    import environ

    name = f"casetrack_faults_{uuid.uuid4().hex[:10]}"
    cluster.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    url = cluster.url(name)
    config = environ.Env.db_url_config(url)
    config.update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False)
    connections.settings[ALIAS] = connections.configure_settings(
        {"default": connections.settings["default"], ALIAS: config}
    )[ALIAS]
    try:
        with django_db_blocker.unblock():
            yield url
            connections[ALIAS].close()
    finally:
        del connections[ALIAS]
        del connections.settings[ALIAS]
        if not cluster.is_running():
            cluster.start()  # a test that failed while the database was down
        cluster.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def broker(tmp_path):
    """A Redis of the test's own; this process sends its tasks there, to its own queue."""
    from config.celery import app

    redis_server = ThrowawayRedis(tmp_path)
    queue = f"casetrack-faults-{uuid.uuid4().hex[:8]}"
    saved = {key: app.conf.get(key) for key in ("broker_url", "task_always_eager")}
    saved["task_default_queue"] = app.conf.task_default_queue
    try:
        redis_server.start()
        app.conf.update(
            broker_url=redis_server.url, task_always_eager=False, task_default_queue=queue
        )
        reset_celery_connections(app)
        redis_server.queue = queue
        yield redis_server
    finally:
        app.conf.update(saved)
        reset_celery_connections(app)
        redis_server.stop()


@pytest.fixture
def server():
    from tests.articles.server import LocalServer

    with LocalServer() as local:
        yield local


@pytest.fixture
def workers(tmp_path, database, broker):
    """Start workers with `workers(name, ..., **env)` (several start side by side); every
    one is stopped at the end."""
    started: list[Worker] = []

    def start(*names: str, **overrides) -> Worker | list[Worker]:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "CELERY_BROKER_URL": broker.url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_TASK_DEFAULT_QUEUE": broker.queue,
            "ARTICLES_ALLOW_PRIVATE_ADDRESSES": "1",
            "ARTICLES_HTTP_TIMEOUT_SECONDS": "30",
            "ARTICLES_RETRY_BACKOFF_SECONDS": "1",
            "ARTICLES_FETCH_RETRIES": "1",
            "PYTHONUNBUFFERED": "1",
            **overrides,
        }
        launched = []
        for name in names:
            worker = Worker(env, broker.queue, tmp_path, name)
            started.append(worker)
            worker.launch()
            launched.append(worker)
        for worker in launched:
            worker.wait_ready()
        return launched[0] if len(launched) == 1 else launched

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


# --- Helpers -------------------------------------------------------------------------------


def settlement_page(number: int) -> bytes:
    """An article with exactly one finding: a settlement of $<number + 1> million."""
    return article_html(
        f"Company {number} settles",
        [
            f"Company {number} has agreed to pay ${number + 1} million to settle a class action "
            "lawsuit accusing it of collecting fingerprints from Illinois workers without "
            "consent, in violation of the Biometric Information Privacy Act.",
            "The settlement was filed on Thursday in federal court in Chicago, lawyers for the "
            "class said.",
        ],
    )


def serve_batch(server, count: int, *, gated: dict[int, threading.Event] | None = None):
    """Serve `count` articles; returns the feed's address and the entries to list."""
    gated = gated or {}
    for number in range(count):
        server.add(f"/a/{number}", body=settlement_page(number), gate=gated.get(number))
    entries = [
        {"title": f"Company {number} settles", "link": server.url(f"/a/{number}")}
        for number in range(count)
    ]
    return server.url("/feed.xml"), entries


def requested(server, path: str, times: int = 1) -> bool:
    return sum(1 for seen, _ in list(server.requests) if seen == path) >= times


def articles() -> list[Article]:
    return list(Article.objects.using(ALIAS).order_by("pk"))


def all_extracted(count: int):
    """A predicate that survives the database being down (it is then simply not true yet)."""

    def check() -> bool:
        try:
            return (
                Article.objects.using(ALIAS).filter(status=ArticleStatus.EXTRACTED).count() == count
            )
        except (OperationalError, InterfaceError):
            connections[ALIAS].close()
            return False

    return check


def assert_each_article_once_with_its_finding(count: int) -> None:
    """Every served article exists once, is extracted, and has exactly its one finding."""
    stored = articles()
    assert sorted(article.url.rsplit("/", 1)[-1] for article in stored) == sorted(
        str(number) for number in range(count)
    )
    assert {article.status for article in stored} == {ArticleStatus.EXTRACTED}
    findings = list(Finding.objects.using(ALIAS).select_related("article"))
    by_article = {}
    for finding in findings:
        by_article.setdefault(finding.article.url.rsplit("/", 1)[-1], []).append(finding.amount)
    assert by_article == {str(number): [(number + 1) * 1_000_000] for number in range(count)}


def create_feed(url: str, entries: list[dict], server, *, gate=None) -> Feed:
    server.add("/feed.xml", body=rss(entries), content_type="application/rss+xml", gate=gate)
    return Feed.objects.using(ALIAS).create(url=url, name="Wire", publisher="Wire")


# --- Tests ---------------------------------------------------------------------------------


def test_a_worker_killed_mid_batch_leaves_every_article_processed_exactly_once(
    database, broker, server, workers
):
    count, killed_at = 200, 120
    in_flight = threading.Event()
    feed_url, entries = serve_batch(server, count, gated={killed_at: in_flight})
    feed = create_feed(feed_url, entries, server)
    # A message whose worker died unacknowledged goes back to the queue after 10 s (1 h in
    # production); far longer than any one task here takes.
    options = {"CELERY_VISIBILITY_TIMEOUT_SECONDS": "10"}
    worker = workers("batch", **options)
    try:
        tasks.fetch_feed.delay(feed.pk)
        wait_until(
            lambda: requested(server, f"/a/{killed_at}"),
            timeout=120,
            what=f"the worker to fetch article {killed_at}",
            log=worker.log,
        )
        worker.kill()  # while it waits for that article's page
        killed = Article.objects.using(ALIAS).get(url__endswith=f"/a/{killed_at}")
        assert (killed.status, killed.fetch_attempts) == (ArticleStatus.NEW, 1)
        assert Article.objects.using(ALIAS).count() == count  # the poll itself had finished
        # The kill came mid-batch: earlier articles were fetched, the later ones were not.
        waiting = Article.objects.using(ALIAS).filter(status=ArticleStatus.NEW).count()
        assert count - killed_at <= waiting < count
    finally:
        in_flight.set()
    worker.start()  # the same worker, started again
    wait_until(all_extracted(count), timeout=180, what="every article", log=worker.log)

    assert_each_article_once_with_its_finding(count)
    attempts = {a.url.rsplit("/", 1)[-1]: a.fetch_attempts for a in articles()}
    # Only the article in flight was fetched again; no other was processed twice.
    assert attempts == {str(n): 2 if n == killed_at else 1 for n in range(count)}
    assert FeedPoll.objects.using(ALIAS).filter(feed=feed).count() == 1


def test_redis_stopped_during_a_poll_loses_no_article(database, broker, server, workers):
    count = 20
    feed_answers = threading.Event()
    feed_url, entries = serve_batch(server, count)
    feed = create_feed(feed_url, entries, server, gate=feed_answers)
    # The sweeper (every 10 minutes in production) takes articles waiting longer than this.
    worker = workers("poller", ARTICLES_STUCK_AFTER_MINUTES="0")
    try:
        tasks.fetch_feed.delay(feed.pk)
        wait_until(
            lambda: requested(server, "/feed.xml"),
            timeout=60,
            what="the poll to start",
            log=worker.log,
        )
        broker.stop()  # every queued message is gone with it: no persistence
    finally:
        feed_answers.set()
    wait_until(
        lambda: FeedPoll.objects.using(ALIAS).filter(feed=feed).exists(),
        timeout=60,
        what="the poll to be recorded",
        log=worker.log,
    )
    # The poll claimed its articles, then could not queue their fetches.
    wait_until(
        lambda: "Connection to broker lost" in worker.all_logs(),
        timeout=60,
        what="the worker to notice the broker is gone",
        log=worker.log,
    )
    assert Article.objects.using(ALIAS).count() == count
    assert not Article.objects.using(ALIAS).exclude(status=ArticleStatus.NEW).exists()

    broker.start()
    wait_until(
        lambda: worker.all_logs().count("Connected to redis://") >= 2,
        timeout=60,
        what="the worker to reconnect",
        log=worker.log,
    )
    from config.celery import app

    reset_celery_connections(app)
    tasks.sweep_stuck_articles.delay()  # what celery beat sends every 10 minutes
    wait_until(all_extracted(count), timeout=120, what="every article", log=worker.log)

    assert_each_article_once_with_its_finding(count)
    poll = FeedPoll.objects.using(ALIAS).get(feed=feed)
    assert (poll.outcome, poll.articles_created) == ("ok", count)


def test_postgres_stopped_during_a_task_is_retried_until_every_article_is_processed(
    cluster, database, broker, server, workers
):
    count, stopped_at = 20, 5
    page_answers = threading.Event()
    feed_url, entries = serve_batch(server, count, gated={stopped_at: page_answers})
    feed = create_feed(feed_url, entries, server)
    worker = workers("fetcher")
    try:
        tasks.fetch_feed.delay(feed.pk)
        wait_until(
            lambda: requested(server, f"/a/{stopped_at}"),
            timeout=60,
            what=f"the worker to fetch article {stopped_at}",
            log=worker.log,
        )
        cluster.stop("fast")  # ends every connection, as a crash or restart does
    finally:
        page_answers.set()
    # The task in flight could not store the page it read: it is retried, not lost.
    wait_until(
        lambda: "Retry in" in worker.all_logs() and "OperationalError" in worker.all_logs(),
        timeout=60,
        what="a task to fail on the database and be retried",
        log=worker.log,
    )
    connections[ALIAS].close()
    cluster.start()
    wait_until(all_extracted(count), timeout=120, what="every article", log=worker.log)

    assert_each_article_once_with_its_finding(count)
    assert worker.process.poll() is None  # the worker lived through the outage


def test_two_workers_polling_one_feed_at_once_create_each_article_once(
    database, broker, server, workers
):
    count = 30
    feed_answers = threading.Event()
    feed_url, entries = serve_batch(server, count)
    feed = create_feed(feed_url, entries, server, gate=feed_answers)
    first, second = workers("first", "second")
    try:
        tasks.fetch_feed.delay(feed.pk)
        tasks.fetch_feed.delay(feed.pk)
        # Both workers wait on the same feed; then both get it at the same moment.
        wait_until(
            lambda: requested(server, "/feed.xml", times=2),
            timeout=60,
            what="both workers to poll",
            log=lambda: first.log() + second.log(),
        )
    finally:
        feed_answers.set()
    wait_until(
        lambda: FeedPoll.objects.using(ALIAS).filter(feed=feed).count() == 2,
        timeout=60,
        what="both polls",
        log=lambda: first.log() + second.log(),
    )
    wait_until(all_extracted(count), timeout=120, what="every article", log=lambda: first.log())

    assert_each_article_once_with_its_finding(count)
    polls = FeedPoll.objects.using(ALIAS).filter(feed=feed)
    assert sum(poll.articles_created for poll in polls) == count
    # Each article's fetch was queued by the one poll that created it, and ran once.
    assert {article.fetch_attempts for article in articles()} == {1}
    tasks_run = [w.all_logs().count("articles.tasks.fetch_feed") for w in (first, second)]
    assert all(tasks_run)  # each worker did poll


def test_the_site_answers_503_while_the_database_is_down_and_recovers_by_itself(
    cluster, database, tmp_path
):
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database,
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log_file:
        web = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "tests.integration.plain_static_wsgi",
                "--bind", f"127.0.0.1:{port}", "--workers", "1",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    # Behind the production proxy requests arrive as https; say so.
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"X-Forwarded-Proto": "https"}, timeout=30
    )

    def status(path: str = "/") -> int | None:
        try:
            return client.get(path).status_code
        except httpx.TransportError:
            return None

    def log() -> str:
        return read_tail(log_path)

    try:
        wait_until(lambda: status() == 200, timeout=60, what="gunicorn", log=log)
        assert status("/companies/") == 200

        cluster.stop("fast")
        for path in ("/", "/companies/", "/settlements/"):
            response = client.get(path)
            page = response.text
            assert response.status_code == 503, (path, page[:2000])
            assert "Casetrack is briefly unavailable" in page
            assert "Traceback" not in page and "OperationalError" not in page
            assert response.headers["Retry-After"] == "30"
        # A signed-in visitor's session is itself in the database: the same page, not a 500.
        response = client.get("/admin/", headers={"Cookie": "sessionid=" + "x" * 32})
        assert response.status_code == 503
        assert "Casetrack is briefly unavailable" in response.text

        cluster.start()
        # The same web process, never restarted, serves pages again.
        wait_until(lambda: status() == 200, timeout=60, what="the site to recover", log=log)
        assert status("/companies/") == 200
        assert web.poll() is None
    finally:
        client.close()
        stop_process(web)
