"""The benchmark machinery at a tiny scale, so that ``make bench`` cannot rot.

It runs bench/run.py end to end in a subprocess (synthetic data, the SQLite export,
gunicorn, Datasette, the admin, raw SQL, the CSV export, extraction and the pipeline with a
real worker) and checks that every measurement ran and was reported. It never checks speed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench.ports import free_ports

ROOT = Path(__file__).resolve().parents[2]


def bench_database_url(tmp_path: Path) -> tuple[str, str | None]:
    """A database of the test run's own: beside the suite's PostgreSQL one, or a file."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        name = f"test_{parts.path.lstrip('/')}_benchci"
        return urlunsplit(parts._replace(path=f"/{name}")), name
    return f"sqlite:///{tmp_path / 'bench.sqlite3'}", None


def connect(url: str, dbname: str):
    import psycopg2

    parts = urlsplit(url)
    return psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname=dbname
    )


def drop_database(url: str, name: str) -> None:
    admin = connect(url, "postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def tables_vacuumed(url: str) -> dict[str, bool]:
    """Whether each summary table and the companies have been vacuumed by hand (the
    harness) in that database."""
    connection = connect(url, urlsplit(url).path.lstrip("/"))
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, last_vacuum IS NOT NULL FROM pg_stat_user_tables "
            "WHERE relname IN ('cases_publicsummary', 'cases_familysummary', 'companies_company')"
        )
        found = dict(cursor.fetchall())
    connection.close()
    return found


@pytest.mark.timeout(600)
def test_benchmark_runs_every_measurement_and_reports(tmp_path):
    url, postgres_name = bench_database_url(tmp_path)
    output = tmp_path / "results.json"
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    command = [
        sys.executable,
        str(ROOT / "bench" / "run.py"),
        f"--database-url={url}",
        "--records=2000",
        "--port=0",
        "--workers=2",
        "--c1-requests=3",
        "--c1-seconds=5",
        "--c8-requests=8",
        "--c8-seconds=5",
        "--raw-requests=2",
        "--csv-rows=500",
        "--pipeline-articles=6",
        "--pipeline-seconds=120",
        "--extraction-seconds=1",
        f"--output={output}",
        f"--data-dir={tmp_path / 'data'}",
    ]
    vacuumed = None
    try:
        finished = subprocess.run(
            command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=540
        )
        if postgres_name:
            vacuumed = tables_vacuumed(url)
    finally:
        if postgres_name:
            drop_database(url, postgres_name)
    assert finished.returncode == 0, finished.stdout[-4000:] + finished.stderr[-4000:]
    if postgres_name:
        # Measured on vacuumed summaries, whatever autovacuum's setting (off on CI machines).
        assert vacuumed == {
            "cases_publicsummary": True,
            "cases_familysummary": True,
            "companies_company": True,
        }

    results = json.loads(output.read_text())
    names = [row["name"] for row in results["requests"]]
    assert names[:6] == [
        "settlements: family + year",
        "violations: amount range by amount",
        "violations: all, facets + totals",
        "company profile (largest family)",
        "search",
        "stats",
    ]
    for row in results["requests"]:
        assert row["status"] == 200, row["name"]
        assert row["queries"] > 0, row["name"]
        for side in ("site", "datasette"):
            assert set(row[side]["c1"]["statuses"]) == {"200"}, (row["name"], side)
            assert row[side]["c1"]["p95_ms"] > 0
            assert row[side]["c8"]["requests"] > 0
        assert row["raw"]["requests"] > 0
        assert row["ratios"]["p95_vs_datasette"] > 0
        if row["admin_path"]:
            assert set(row["admin"]["c1"]["statuses"]) == {"200"}, row["name"]
    # Both CSV exports hold exactly the same rows (the export for Datasette is faithful).
    ours, theirs = results["csv"]["casetrack"], results["csv"]["datasette"]
    assert ours["rows"] > 0
    assert ours["rows"] == theirs["rows"]
    assert ours["memory_growth_mb"] >= 0
    assert results["extras"]["extraction"]["articles"] > 0
    pipeline = results["extras"]["pipeline"]
    assert pipeline["complete"], pipeline
    assert sum(pipeline["statuses"].values()) == 6
    assert "CSV casetrack" in finished.stdout
    assert "settlements: family + year" in finished.stdout


def port_is_open(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.timeout(300)
def test_benchmark_stopped_by_sigterm_stops_the_servers_it_started(tmp_path):
    """A harness told to stop (kill, a CI timeout) leaves no gunicorn or Datasette behind."""
    import signal
    import time

    url, postgres_name = bench_database_url(tmp_path)
    port = free_ports(2)[0]
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    command = [
        sys.executable,
        str(ROOT / "bench" / "run.py"),
        f"--database-url={url}",
        "--records=2000",
        f"--port={port}",
        "--workers=1",
        "--c1-requests=100000",
        "--c1-seconds=120",
        f"--output={tmp_path / 'results.json'}",
        f"--data-dir={tmp_path / 'data'}",
    ]
    harness = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        seen = []
        for line in harness.stdout:  # bounded by the test's timeout
            seen.append(line.decode(errors="replace"))
            if "measuring" in seen[-1]:
                break
        assert port_is_open(port) and port_is_open(port + 1), "".join(seen[-20:])
        harness.send_signal(signal.SIGTERM)
        assert harness.wait(timeout=120) != 0
        deadline = time.monotonic() + 30
        while (port_is_open(port) or port_is_open(port + 1)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not port_is_open(port), "gunicorn still serves after the harness stopped"
        assert not port_is_open(port + 1), "Datasette still serves after the harness stopped"
    finally:
        # A failed assertion must not orphan the servers: SIGTERM lets the harness stop
        # them (a SIGKILL would leave them serving), SIGKILL only if it does not end.
        if harness.poll() is None:
            harness.terminate()
            try:
                harness.wait(timeout=60)
            except subprocess.TimeoutExpired:
                harness.kill()
        if postgres_name:
            drop_database(url, postgres_name)


def test_a_measurement_with_an_answer_other_than_200_stops_the_run():
    """A refused request (a 429 from a throttle, say) is fast for reasons that are not the
    page's: its latency must not be reported as the page's."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from bench import run

    answered = []

    class RefusesAfterFive(BaseHTTPRequestHandler):
        def do_GET(self):
            answered.append(self.path)
            status = 200 if len(answered) <= 5 else 429
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), RefusesAfterFive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = run.parse_options(
        ["--workers", "1", "--c1-requests", "5", "--c1-seconds", "5", "--c8-requests", "8"]
    )
    try:
        with pytest.raises(RuntimeError, match=r"answers other than 200 \{429: "):
            run.measure_http(f"http://127.0.0.1:{server.server_port}", "/page", options)
    finally:
        server.shutdown()
    assert len(answered) > 5  # the refusals were measured, then reported
