"""Load test: gunicorn with production settings on 127.0.0.1, the public pages and the API
hit by N concurrent clients for a fixed time, bounded in requests. Loopback only.

    .venv/bin/python bench/load_test.py --database-url postgres://…/casetrack_bench \
        --concurrency 32 --seconds 60

The database must hold data (``manage.py seed`` or the synthetic data from issue 6); the
script migrates it but never deletes anything. It prints requests, rate, latency
percentiles and every error, and exits 1 if there was any error.
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.ports import free_ports  # noqa: E402

PATHS = [
    "/",
    "/settlements/",
    "/settlements/?year=2021",
    "/settlements/?sort=-amount&currency=USD",
    "/violations/",
    "/violations/?format=csv",
    "/lawsuits/",
    "/companies/",
    "/companies/tiktok/",
    "/stats/",
    "/search/?q=privacy",
    "/feeds/latest/",
    "/api/settlements/",
    "/api/violations/?year=2019",
    "/api/lawsuits/",
    "/api/companies/",
]


def production_environment(database_url: str, static_root: str) -> dict:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        STATIC_ROOT=static_root,
        # Measures capacity, not the API's per-client throttle (one client here is many).
        API_ANON_RATE="100000000/minute",
        API_USER_RATE="100000000/minute",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=env, check=True, timeout=600
    )


def run(
    base_url: str, concurrency: int, seconds: float, max_requests: int, paths=tuple(PATHS)
) -> dict:
    """Each client walks ``paths`` in turn from its own start; only a 2xx is a success (a
    redirect would mean the pages were not measured)."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors: list[str] = []
    served: set[str] = set()
    sent = 0

    def client_loop(index: int) -> None:
        nonlocal sent
        # Behind the production proxy the request arrives as https; say so.
        headers = {"X-Forwarded-Proto": "https"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            position = index
            while time.monotonic() < deadline:
                with lock:
                    if sent >= max_requests:
                        return
                    sent += 1
                path = paths[position % len(paths)]
                position += 1
                started = time.monotonic()
                try:
                    response = client.get(path)
                    response.read()
                except httpx.HTTPError as error:
                    with lock:
                        errors.append(f"{path}: {type(error).__name__}: {error}")
                    continue
                elapsed = time.monotonic() - started
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status_code] += 1
                    if response.is_success:
                        served.add(path)
                    else:
                        errors.append(f"{path}: HTTP {response.status_code}")

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(client_loop, range(concurrency)))
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "requests": sent,
        "seconds": round(elapsed, 1),
        "per_second": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(percentile(0.95), 1),
        "p99_ms": round(percentile(0.99), 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "statuses": dict(statuses),
        "paths_ok": f"{len(served)}/{len(paths)}",
        "errors": errors,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1)
    parser.add_argument("--seed", action="store_true", help="load the seed records first")
    parser.add_argument("--port", type=int, default=0, help="127.0.0.1 port (default: a free one)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url (or DATABASE_URL): the load test needs a database")

    with tempfile.TemporaryDirectory() as static_root:
        env = production_environment(args.database_url, static_root)
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "collectstatic", "--no-input", "-v0")
        if args.seed:
            manage(env, "loadseed")
        port = args.port or free_ports(1)[0]
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "config.wsgi",
                "--config", str(PROJECT / "gunicorn.conf.py"),
                "--bind", f"127.0.0.1:{port}",
                "--workers", str(args.workers),
                "--log-level", "warning",
            ],
            cwd=PROJECT,
            env=env,
        )  # fmt: skip
        try:
            base_url = f"http://127.0.0.1:{port}"
            # Ready when it serves a static file: a page may take longer than the probe's
            # timeout on a million rows, and would be measured before the run starts.
            for _ in range(200):
                try:
                    httpx.get(
                        base_url + "/static/css/site.css",
                        headers={"X-Forwarded-Proto": "https"},
                        timeout=2,
                    ).raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                raise SystemExit("gunicorn did not start")
            report = run(base_url, args.concurrency, args.seconds, args.max_requests)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    errors = report.pop("errors")
    for key, value in report.items():
        print(f"{key}: {value}")
    print(f"errors: {len(errors)}")
    for line in errors[:50]:
        print(f"  {line}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
