"""A real Celery worker, in its own process, against real Redis and the test database.

The worker must open the very database the test writes to, so these tests need a database
server: PostgreSQL. (pytest-django keeps SQLite test databases in the test process's
memory, where no other process can reach them.) Redis is required, not optional: CI starts
it, and a missing broker fails these tests instead of hiding them.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
DEFAULT_BROKER = "redis://127.0.0.1:6379/1"


def wait_for(predicate, *, timeout: float, what: str, log: "WorkerLog"):
    """Poll until predicate() is true; fail with the worker's log tail after the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    pytest.fail(f"Timed out after {timeout}s waiting for {what}.\nWorker log:\n{log.tail()}")


class WorkerLog:
    def __init__(self, path: Path):
        self.path = path

    def tail(self, chars: int = 6000) -> str:
        try:
            return self.path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return "(no log)"


def reset_celery_connections(app) -> None:
    """Forget the broker pool and the routing built from the old configuration."""
    from kombu import pools

    app._pool = None
    app.__dict__.pop("amqp", None)  # a cached property holding queues and producers
    # The app's pool is one of kombu's global pools, which its producer pools share: close
    # and forget them all, or a later send finds a closed pool (or a dead Redis connection).
    pools.reset()


def database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="module")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """Start `celery worker` on a queue of its own; always stop it, even on failure."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("The worker process cannot open an in-memory SQLite test database.")
    import redis

    from config.celery import app

    broker = os.environ.get("CELERY_BROKER_URL") or DEFAULT_BROKER
    redis.Redis.from_url(broker).ping()  # fail loudly if the broker is missing
    queue = f"casetrack-test-{uuid.uuid4().hex[:12]}"
    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "ARTICLES_ALLOW_PRIVATE_ADDRESSES": "1",
        "ARTICLES_HTTP_TIMEOUT_SECONDS": "1",
        "ARTICLES_MAX_RESPONSE_BYTES": "200000",
        "ARTICLES_RETRY_BACKOFF_SECONDS": "1",
        "ARTICLES_FETCH_RETRIES": "1",
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    log = WorkerLog(log_path)
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    saved = {
        key: app.conf.get(key) for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    try:
        wait_for(lambda: "ready." in log.tail(20000), timeout=60, what="the worker", log=log)
        app.conf.update(broker_url=broker, task_always_eager=False, task_default_queue=queue)
        reset_celery_connections(app)
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        app.conf.update(saved)
        reset_celery_connections(app)
        redis.Redis.from_url(broker).delete(queue)


@pytest.fixture
def server():
    from tests.articles.server import LocalServer

    with LocalServer() as local:
        yield local
