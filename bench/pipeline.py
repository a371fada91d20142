"""Article import measurements: the extractor alone, and the whole pipeline with a worker.

The pipeline run serves a feed of N articles (the bundled demo corpus, repeated under
distinct addresses) from a local HTTP server on 127.0.0.1, starts a real Celery worker
(prefork, concurrency 2) on a queue of its own, queues one poll of the feed and waits until
every article is extracted or failed. Everything it creates is removed afterwards.
"""

import datetime
import os
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BROKER = "redis://127.0.0.1:6379/4"


def corpus() -> list[tuple[str, str, datetime.date]]:
    """(title, body, published) for every article of the demo corpus."""
    from articles.demo import article_title_and_body, expectations

    found = []
    for article in expectations():
        title, body = article_title_and_body(article["slug"])
        found.append((title, body, datetime.date.fromisoformat(article["published"][:10])))
    return found


def measure_extraction(max_articles: int = 2000, max_seconds: float = 20.0) -> dict:
    """Articles per second through ``extract`` on one core, the gazetteer built once."""
    from articles.extraction import NameFinder, extract
    from articles.selectors import gazetteer_from_database

    started = time.perf_counter()
    gazetteer = gazetteer_from_database()
    finder = NameFinder(gazetteer)
    gazetteer_seconds = time.perf_counter() - started
    articles = corpus()
    done, findings = 0, 0
    deadline = time.monotonic() + max_seconds
    started = time.perf_counter()
    while done < max_articles and time.monotonic() < deadline:
        title, body, published = articles[done % len(articles)]
        findings += len(extract(body, title=title, published=published, finder=finder).findings)
        done += 1
    seconds = time.perf_counter() - started
    return {
        "articles": done,
        "corpus_size": len(articles),
        "findings": findings,
        "seconds": round(seconds, 3),
        "articles_per_second": round(done / seconds, 1) if seconds else 0,
        "gazetteer_seconds": round(gazetteer_seconds, 3),
        "gazetteer_companies": len(gazetteer.companies),
    }


def article_page(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in body.split("\n\n") if p.strip())
    return (
        f"<!doctype html><html><head><title>{escape(title)}</title></head><body><article>"
        f"<h1>{escape(title)}</h1>{paragraphs}</article></body></html>"
    ).encode()


class CorpusServer:
    """A feed of ``count`` articles and the articles themselves, on 127.0.0.1."""

    def __init__(self, count: int):
        self.prefix = f"/run-{uuid.uuid4().hex[:8]}"
        self.pages: dict[str, bytes] = {}
        articles = corpus()
        items = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        for n in range(count):
            title, body, published = articles[n % len(articles)]
            path = f"{self.prefix}/articles/{n}/"
            self.pages[path] = article_page(title, body)
            moment = datetime.datetime.combine(published, datetime.time(9), datetime.UTC)
            items.append(
                f"<item><title>{escape(title)} ({n})</title><link>{self.url(path)}</link>"
                f"<guid>{self.url(path)}</guid><pubDate>{format_datetime(moment)}</pubDate>"
                f"<description>{escape(body[:200])}</description></item>"
            )
        self.feed_path = f"{self.prefix}/feed.xml"
        self.pages[self.feed_path] = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Benchmark feed</title><link>{self.url('/')}</link>"
            f"<description>Benchmark</description>{''.join(items)}</channel></rss>"
        ).encode()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                page = server.pages.get(self.path)
                if page is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                kind = "application/rss+xml" if self.path.endswith(".xml") else "text/html"
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        return Handler

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def measure_pipeline(
    options, environment: dict, scratch: Path, stack: ExitStack, count: int = 1000
) -> dict:
    """Wall time from queueing the feed poll to the last article extracted or failed."""
    import redis
    from django.db.models import Count

    from articles import tasks
    from articles.models import Article, ArticleStatus, Feed
    from config.celery import app

    count = getattr(options, "pipeline_articles", count)
    broker = os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER)
    redis.Redis.from_url(broker).ping()
    queue = f"casetrack-bench-{uuid.uuid4().hex[:10]}"
    worker_environment = {
        **environment,
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "ARTICLES_ALLOW_PRIVATE_ADDRESSES": "1",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = scratch / "worker.log"
    log_file = log_path.open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency=2",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=worker_environment,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def stop_worker():
        if worker.poll() is None:
            os.killpg(worker.pid, 15)
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, 9)
                worker.wait(5)
        log_file.close()
        redis.Redis.from_url(broker).delete(queue)

    stack.callback(stop_worker)
    saved = {key: app.conf.get(key) for key in ("broker_url", "task_always_eager")}
    saved["task_default_queue"] = app.conf.get("task_default_queue")
    app.conf.update(broker_url=broker, task_always_eager=False, task_default_queue=queue)
    server = stack.enter_context(CorpusServer(count))
    feed = Feed.objects.create(url=server.url(server.feed_path), name="Benchmark feed")
    result = {"articles": count, "worker_concurrency": 2}
    try:
        inspector_deadline = time.monotonic() + 60
        while time.monotonic() < inspector_deadline:
            if app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
                break
        started = time.perf_counter()
        tasks.fetch_feed.delay(feed.pk)
        articles = Article.objects.filter(url__startswith=server.url(server.prefix))
        terminal = [ArticleStatus.EXTRACTED, ArticleStatus.FAILED]
        # Bounded even if the worker stalls; unfinished articles are reported, not waited for.
        deadline = time.monotonic() + getattr(options, "pipeline_seconds", 300)
        finished = 0
        while time.monotonic() < deadline:
            finished = articles.filter(status__in=terminal).count()
            if finished >= count:
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        statuses = dict(articles.values_list("status").annotate(n=Count("pk")))
        result.update(
            {
                "finished": finished,
                "seconds": round(seconds, 2),
                "articles_per_second": round(finished / seconds, 1) if seconds else 0,
                "statuses": statuses,
                "complete": finished >= count,
            }
        )
    finally:
        app.conf.update(saved)
        stop_worker()
        Article.objects.filter(url__startswith=server.url(server.prefix)).delete()
        feed.delete()
    return result
