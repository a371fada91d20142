"""gunicorn's settings for Casetrack: the Dockerfile, docker-compose.yml and the benchmark
scripts all serve the site with this file (``gunicorn --config gunicorn.conf.py``). Override
any of them with ``GUNICORN_CMD_ARGS`` (``"--keep-alive 30"``) or on the command line.

Threaded workers ("gthread") keep a client's connection open between its requests, which
sync workers cannot: a browser or an API client sends its next request on the same
connection to the same worker, warm, instead of opening a new connection that every idle
worker wakes up to accept (docs/benchmarks.md: what it bought). Threaded workers also cope
with clients that connect directly, with no buffering proxy in front as in
docker-compose.yml, which gunicorn's documentation advises against for sync workers.

The worker class is gunicorn's threaded one, which runs Python's garbage collection once
a request is released rather than while the response is still held (core.web_worker).

One request thread per worker: a request's second database connection (core.parallel's
reader thread) is one per process, and more request threads would wait for each other's
reads. Concurrency comes from the processes.
"""

import os


def worker_count(value: str | None) -> int:
    """WEB_WORKERS; empty or unset: 2 x CPUs + 1. (Not gunicorn's own WEB_CONCURRENCY,
    which gunicorn reads before this file and cannot start with when it is empty, as
    docker-compose.yml passes it when .env leaves it empty.)"""
    value = (value or "").strip()
    if not value:
        return 2 * (os.cpu_count() or 1) + 1
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"WEB_WORKERS must be a number of worker processes, 1 or more; got {value!r}"
        )
    return int(value)


workers = worker_count(os.environ.get("WEB_WORKERS"))
worker_class = "core.web_worker.CollectingThreadWorker"
threads = 1
# Seconds an idle connection stays open for its client's next request: long enough for an
# API client's next page or the assets a page loads, short enough to free the socket.
keepalive = 5
