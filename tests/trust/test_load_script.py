"""bench/load_test.py at a tiny scale: it starts gunicorn with production settings, serves
the public pages and the API, and reports zero errors (the full run is on demand). Its
measuring loop is also run against a local server with a failing path, to show that it
counts what goes wrong and stops at its bounds."""

import subprocess
import sys
from pathlib import Path

from bench import load_test
from tests.articles.server import LocalServer

PROJECT = Path(__file__).resolve().parents[2]


def test_the_load_script_runs_and_reports_no_errors(tmp_path):
    # Bounded by count, not time, so that every path is requested however slow the machine:
    # of two clients walking the paths from 0 and 1, one makes at least half the requests.
    requests = 2 * len(load_test.PATHS)
    result = subprocess.run(
        [
            sys.executable, "bench/load_test.py",
            "--database-url", f"sqlite:///{tmp_path / 'load.sqlite3'}",
            "--seed", "--concurrency", "2", "--seconds", "150", "--workers", "1",
            "--max-requests", str(requests),
        ],
        cwd=PROJECT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    assert report["errors"] == "0"
    assert report["requests"] == str(requests)
    # Every public page, export and API list was served, with a 200, in production settings.
    assert report["paths_ok"] == f"{len(load_test.PATHS)}/{len(load_test.PATHS)}", report
    assert report["statuses"].startswith("{200:") and "," not in report["statuses"], report


def test_the_loop_counts_failures_and_redirects_as_errors():
    with LocalServer() as server:
        server.add("/ok", body=b"fine")
        server.add("/broken", status=500, body=b"boom")
        server.add("/moved", status=301, headers={"Location": "/ok"})
        report = load_test.run(
            server.base_url, concurrency=2, seconds=30, max_requests=30,
            paths=("/ok", "/broken", "/moved"),
        )  # fmt: skip
    assert report["requests"] == 30  # bounded by count, long before the 30 seconds
    assert report["paths_ok"] == "1/3"
    assert {line.split(":")[0] for line in report["errors"]} == {"/broken", "/moved"}
    assert report["statuses"][200] + len(report["errors"]) == 30
