"""Casetrack benchmark: the public site against raw SQL, the Django admin and Datasette.

Run it with ``make bench`` (or ``.venv/bin/python bench/run.py --help``). It prepares the
benchmark database (creates it, migrates it, loads the synthetic records when they are not
there yet), exports the same public rows to SQLite for Datasette, serves the site with
gunicorn in production settings and Datasette on 127.0.0.1, measures the fixed request set,
prints a table, writes bench/results.json and stops everything it started. See README.md.
"""

import argparse
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import fetch_once, run_load  # noqa: E402
from bench.ports import free_ports  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/casetrack_bench"
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Options:
    database_url: str
    records: int
    seed: int
    port: int
    workers: int
    c1_requests: int
    c1_seconds: float
    c8_requests: int
    c8_seconds: float
    raw_requests: int
    csv_rows: int
    pipeline_articles: int
    extraction_seconds: float
    pipeline_seconds: float
    output: Path
    data_dir: Path
    extras: tuple[str, ...]


def parse_options(argv=None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="The benchmark's own database (its name must contain 'bench'; it may be reset).",
    )
    parser.add_argument(
        "--records", type=int, default=int(os.environ.get("BENCH_RECORDS", 1_000_000))
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("BENCH_PORT", 8731)),
        help="The site's port; Datasette uses port+1, the CSV worker port+2. 0: free ones.",
    )
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--c1-requests", type=int, default=100)
    parser.add_argument("--c1-seconds", type=float, default=20)
    parser.add_argument("--c8-requests", type=int, default=400)
    parser.add_argument("--c8-seconds", type=float, default=12)
    parser.add_argument("--raw-requests", type=int, default=30)
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument("--pipeline-articles", type=int, default=1000)
    parser.add_argument("--extraction-seconds", type=float, default=20)
    parser.add_argument("--pipeline-seconds", type=float, default=300)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / ".data")
    parser.add_argument(
        "--extras",
        default="extraction,pipeline",
        help="Comma-separated extra measurements to run when their app is installed.",
    )
    args = parser.parse_args(argv)
    if "bench" not in urlsplit(args.database_url).path and not args.database_url.startswith(
        "sqlite"
    ):
        parser.error("the benchmark database's name must contain 'bench' (it may be reset)")
    return Options(
        database_url=args.database_url,
        records=args.records,
        seed=args.seed,
        port=args.port,
        workers=args.workers,
        c1_requests=args.c1_requests,
        c1_seconds=args.c1_seconds,
        c8_requests=args.c8_requests,
        c8_seconds=args.c8_seconds,
        raw_requests=args.raw_requests,
        csv_rows=args.csv_rows,
        pipeline_articles=args.pipeline_articles,
        extraction_seconds=args.extraction_seconds,
        pipeline_seconds=args.pipeline_seconds,
        output=args.output,
        data_dir=args.data_dir,
        extras=tuple(name for name in args.extras.split(",") if name),
    )


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Environment and database ----------------------------------------------------------------


def production_environment(options: Options, static_root: Path) -> dict[str, str]:
    """The settings gunicorn (and the query counter) run with: production, loopback only."""
    return {
        **os.environ,
        "DATABASE_URL": options.database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", secrets.token_urlsafe(50)),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        # The load client stands for many visitors: the API's per-client throttle (120 a
        # minute by default, counted per worker) would answer part of a run with 429s,
        # which are fast. The throttle still runs; it no longer refuses.
        "API_ANON_RATE": "100000000/minute",
        "API_USER_RATE": "100000000/minute",
    }


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def ensure_database_exists(url: str) -> None:
    if not is_postgres(url):
        return
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            log(f"creating database {name}")
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def manage(environment: dict, *arguments: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *arguments],
        env=environment,
        cwd=ROOT,
        check=True,
    )


def synthetic_counts() -> tuple[int, int]:
    from cases.models import Settlement, Violation

    return (
        Violation.objects.filter(company__slug__startswith="syn-").count(),
        Settlement.objects.filter(lawsuit__slug__startswith="syn-").count(),
    )


def reset_database() -> None:
    """Empty the benchmark's own database (only called when its data does not match)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")
            tables = connection.introspection.table_names(cursor)
            for table in tables:
                cursor.execute(f'DROP TABLE "{table}"')


def prepare_data(options: Options, environment: dict) -> dict:
    """Migrate, and load the synthetic records unless exactly the requested set is there."""
    from cases.synthetic import Plan

    ensure_database_exists(options.database_url)
    manage(environment, "migrate", "--noinput", "--verbosity", "0")
    plan = Plan(options.records)
    loaded = {"reused": True}
    if synthetic_counts() != (plan.violations, plan.settlements):
        log(f"loading {options.records:,} synthetic records (the database is reset first)")
        reset_database()
        from django.db import connection

        connection.close()
        manage(environment, "migrate", "--noinput", "--verbosity", "0")
        started = time.monotonic()
        manage(
            environment,
            "generate_synthetic",
            "--records",
            str(options.records),
            "--seed",
            str(options.seed),
        )
        loaded = {"reused": False, "load_seconds": round(time.monotonic() - started, 1)}
    else:
        log(f"the benchmark database already holds the {options.records:,} synthetic records")
    settle_and_vacuum()
    return loaded


def settle_and_vacuum() -> None:
    """Bring the summaries up to date, then vacuum them (and the companies), before anything
    is measured; and merge the search indexes' pending entries (FLUSH_SEARCH_PENDING_LISTS).

    Each recompute deletes and re-inserts summary rows; where autovacuum is off (as on CI
    machines) or has not run yet, the dead rows stay in the index scans and a facet that
    reads 2,800 rows visits ten times as many. Measuring after a settle and a VACUUM makes
    the figures independent of the writes made before the run and of autovacuum's timing.
    """
    from django.db import connection

    from cases import summary

    summary.settle()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) cases_publicsummary, cases_familysummary")
            # Migration cases.0014 rewrites the companies table (a stored column), which
            # leaves it without a visibility map until a vacuum: the same for a reused database.
            cursor.execute("VACUUM (ANALYZE) companies_company")
            cursor.execute(FLUSH_SEARCH_PENDING_LISTS)


# The search's GIN indexes (full text, name lexemes, trigrams) take new entries into a pending
# list of up to 4 MB that every search scans in full until a vacuum merges it into the index.
# The load inserts every row after the indexes exist, and where autovacuum is off the lists
# stay: "Northwind" scanned ~2,500 pending pages a request (old search, SQL 68 -> 35 ms once
# merged). Merging them measures the search as a vacuumed database serves it, whenever the
# last vacuum ran.
FLUSH_SEARCH_PENDING_LISTS = """
    SELECT gin_clean_pending_list(index.indexrelid)
    FROM pg_index index
    JOIN pg_class class ON class.oid = index.indexrelid
    JOIN pg_am am ON am.oid = class.relam
    WHERE am.amname = 'gin' AND index.indrelid IN (
        'cases_lawsuit'::regclass, 'cases_settlement'::regclass, 'cases_violation'::regclass,
        'companies_company'::regclass, 'companies_companyalias'::regclass
    )
"""


# --- Processes -------------------------------------------------------------------------------


class Service:
    """A process group we started, stopped (by its own id) when the run ends."""

    def __init__(self, name: str, command: list[str], environment: dict, log_path: Path):
        self.name = name
        self.log_file = log_path.open("w")
        self.process = subprocess.Popen(
            command,
            env=environment,
            cwd=ROOT,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.log_path = log_path

    def wait_until_ready(self, url: str, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log_file.flush()
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{self.name} exited; the end of {self.log_path}:\n{tail}")
            try:
                status, _, _ = fetch_once(url, timeout=30)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {seconds}s: see {self.log_path}")

    def worker_pids(self) -> list[int]:
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(entry.name))
        return children

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log_file.close()


def memory_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def gunicorn(options: Options, environment: dict, port: int, workers: int, logs: Path):
    command = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    return Service(f"gunicorn:{port}", command, environment, logs / f"gunicorn-{port}.log")


def datasette(sqlite_path: Path, port: int, logs: Path) -> Service:
    command = [
        str(VENV_BIN / "datasette"),
        "serve",
        "-i",
        str(sqlite_path),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        # Long enough that every count and facet is computed rather than cut off, so that
        # Datasette answers the same question; its suggestions are off as ours do not exist.
        "--setting",
        "sql_time_limit_ms",
        "60000",
        "--setting",
        "facet_time_limit_ms",
        "60000",
        "--setting",
        "suggest_facets",
        "off",
        "--setting",
        "default_facet_size",
        "12",
        "--setting",
        "max_csv_mb",
        "0",
    ]
    return Service(f"datasette:{port}", command, dict(os.environ), logs / f"datasette-{port}.log")


# --- The request set -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One benchmarked request and its equivalents (empty when a baseline has none)."""

    name: str
    site: str
    datasette: str = ""
    admin: str = ""
    csv: bool = False


def choose_parameters(csv_rows: int) -> dict:
    """The largest family, a year with data, and a CSV filter that yields ~csv_rows rows."""
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from cases.public_selectors import public_violations
    from companies.models import Company

    root = (
        Company.objects.filter(parent__isnull=True, slug__startswith="syn-", is_published=True)
        .annotate(children=Count("subsidiaries"))
        .order_by("-children", "pk")
        .first()
    )
    per_year = dict(
        public_violations()
        .order_by()
        .annotate(year=ExtractYear("decided_on"))
        .values_list("year")
        .annotate(count=Count("pk"))
        .values_list("year", "count")
    )
    csv_year, running = min(per_year), 0
    for year in sorted(per_year, reverse=True):
        running += per_year[year]
        csv_year = year
        if running >= csv_rows:
            break
    return {
        "family": root.slug,
        "family_id": root.pk,
        "family_name": root.name,
        "year": 2024,
        "amount_min": 1_000_000,
        "amount_max": 5_000_000,
        "search": "Northwind",
        "csv_year_from": csv_year,
    }


def scenarios(parameters: dict, has_api: bool) -> list[Scenario]:
    family, year = parameters["family"], parameters["year"]
    low, high = parameters["amount_min"], parameters["amount_max"]
    violation_facets = "_facet=year&_facet=authority&_facet=kind&_facet=country&_facet=currency"
    settlement_facets = "_facet=year&_facet=authority&_facet=kind&_facet=status&_facet=currency"
    family_filter = f"families__contains=+{family}+"
    found = [
        Scenario(
            "settlements: family + year",
            f"/settlements/?company={family}&year={year}",
            f"/bench/settlements?{family_filter}&year={year}&{settlement_facets}"
            "&_sort_desc=announced_on&_size=50",
            f"/admin/cases/settlement/?company={family}&year={year}",
        ),
        Scenario(
            "violations: amount range by amount",
            f"/violations/?amount_min={low}&amount_max={high}&sort=-amount",
            f"/bench/violations?amount_usd__gte={low}&amount_usd__lte={high}&{violation_facets}"
            "&_sort_desc=amount_usd&_size=50",
            f"/admin/cases/violation/?amount_usd__gte={low}&amount_usd__lte={high}&o=-5",
        ),
        Scenario(
            "violations: all, facets + totals",
            "/violations/",
            f"/bench/violations?{violation_facets}&_sort_desc=decided_on&_size=50",
            "/admin/cases/violation/",
        ),
        Scenario(
            "company profile (largest family)",
            f"/companies/{family}/",
            f"/bench/violations?family={family}&_facet=year&_sort_desc=decided_on&_size=20",
            f"/admin/cases/violation/?family={family}",
        ),
        Scenario(
            "search",
            f"/search/?q={parameters['search']}",
            f"/bench/violations?_search={parameters['search']}&_size=20",
            f"/admin/cases/violation/?q={parameters['search']}",
        ),
        Scenario(
            "stats",
            "/stats/",
            "/bench/violations?_facet=year&_facet=kind&_facet=authority&_facet=currency&_size=0",
        ),
    ]
    if has_api:
        found.append(
            Scenario(
                "API: settlements family + year",
                f"/api/settlements/?company={family}&year={year}",
                f"/bench/settlements.json?{family_filter}&year={year}&_sort_desc=announced_on"
                "&_size=50",
            )
        )
    found.append(
        Scenario(
            "CSV export (violations)",
            f"/violations/?year_from={parameters['csv_year_from']}&format=csv",
            f"/bench/violations.csv?year__gte={parameters['csv_year_from']}"
            "&_sort_desc=decided_on&_stream=on&_size=max",
            csv=True,
        )
    )
    return found


# --- Measurements ----------------------------------------------------------------------------


def captured_queries(path: str, cookie: str = "") -> tuple[int, list[str], int]:
    """Run the request through Django in this process: (status, SQL run, queries). Every
    statement on this connection, one after the other: the site runs some two at a time, on
    a second connection (core.parallel), which a capture of this one would miss."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    if cookie:
        client.cookies.load(cookie)
    with (
        override_settings(DATABASE_PARALLEL_READS=False),
        CaptureQueriesContext(connection) as context,
    ):
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    statements = [query["sql"] for query in context.captured_queries]
    return response.status_code, statements, len(statements)


SERVER_SIDE_CURSOR = re.compile(r'^DECLARE "[^"]+" (NO SCROLL )?CURSOR (WITH(OUT)? HOLD )?FOR ')


def raw_sql(statements: list[str], options: Options) -> dict:
    """Time the exact statements the view ran, straight through the database driver."""
    from django.db import connection

    from core import prepared

    # A connection of the driver itself (psycopg2 on PostgreSQL), outside the ORM; on SQLite
    # it carries the functions Django registers, which the captured SQL calls.
    database = connection.get_new_connection(connection.get_connection_params())
    if connection.vendor == "postgresql":
        database.autocommit = True
    timings = []
    try:
        cursor = database.cursor()
        # The statements the site prepares once per connection (core.prepared) are prepared
        # here too, before timing, and run by name as the site runs them.
        for command in dict.fromkeys(filter(None, map(prepared.prepare_command, statements))):
            cursor.execute(command)
        deadline = time.monotonic() + options.c1_seconds
        for _ in range(options.raw_requests):
            started = time.perf_counter()
            for sql in statements:
                if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
                    continue
                # A server-side cursor (QuerySet.iterator) was captured as its DECLARE: run
                # its query and read every row, as the view did chunk by chunk.
                sql = SERVER_SIDE_CURSOR.sub("", sql, count=1)
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
            if time.monotonic() > deadline:
                break
    finally:
        database.close()
    from bench.load import LoadResult

    result = LoadResult(latencies_ms=timings, seconds=sum(timings) / 1000)
    summary = result.summary()
    return {key: summary[key] for key in ("requests", "p50_ms", "p95_ms", "p99_ms")}


WARM_UP_PER_WORKER = 16


def measure_http(base: str, path: str, options: Options, headers=None, c8=True) -> dict:
    url = base + path
    status, _, _ = fetch_once(url, headers=headers)
    if status != 200:
        raise RuntimeError(f"{url} answered {status}, not 200: nothing to measure")
    # Warm every server process, not just one: a measured connection stays with the gunicorn
    # worker that accepted it, which may be any of them, and a worker's first requests of a
    # page would otherwise count as latencies: its database connection, compiled templates,
    # and its prepared statements' first five runs, which PostgreSQL plans with the values
    # before it settles on a generic plan (core/prepared.py). Each warm-up request comes on
    # a new connection ("Connection: close"), so that they spread over the workers,
    # WARM_UP_PER_WORKER each on average (were the connections dealt out at random, five
    # workers would all get five or more in all but ~7 pages in 10,000).
    run_load(
        url,
        concurrency=options.workers,
        max_requests=options.workers * WARM_UP_PER_WORKER,
        max_seconds=max(options.c1_seconds, 5),
        headers={**(headers or {}), "Connection": "close"},
    )
    loads = {
        "c1": run_load(
            url,
            concurrency=1,
            max_requests=options.c1_requests,
            max_seconds=options.c1_seconds,
            headers=headers,
        )
    }
    if c8:
        loads["c8"] = run_load(
            url,
            concurrency=8,
            max_requests=options.c8_requests,
            max_seconds=options.c8_seconds,
            headers=headers,
        )
    for level, result in loads.items():
        # A refused or failed request is fast or slow for other reasons than the page.
        other = {code: count for code, count in result.statuses.items() if code != 200}
        if other or result.errors:
            raise RuntimeError(
                f"{url} at {level}: answers other than 200 {other}, errors {result.errors[:3]}"
            )
    return {level: result.summary() for level, result in loads.items()}


def measure_csv(url: str, pids_of, headers=None) -> dict:
    """Download a CSV once, sampling the serving processes' memory: rows/s and growth."""
    pids = pids_of()
    baseline = {pid: memory_kb(pid) for pid in pids}
    peak = dict(baseline)
    done = threading.Event()

    def sample():
        while not done.is_set():
            for pid in pids:
                with suppress(OSError):
                    peak[pid] = max(peak[pid], memory_kb(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        status, body, seconds = fetch_once(url, headers=headers, timeout=600)
    finally:
        done.set()
        sampler.join()
    if status != 200:
        raise RuntimeError(f"{url} answered {status}, not 200: nothing to measure")
    rows = max(0, body.count(b"\n") - 1)
    growth = max((peak[pid] - baseline[pid]) for pid in pids) if pids else 0
    return {
        "status": status,
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds) if seconds else 0,
        "megabytes": round(len(body) / 1e6, 1),
        "memory_growth_mb": round(growth / 1024, 1),
        "peak_rss_mb": round(max(peak.values()) / 1024, 1) if peak else 0,
    }


def admin_session() -> tuple[str, callable]:
    """A logged-in session cookie for a benchmark superuser, and a function to end it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_unusable_password()
    user.is_staff = user.is_superuser = True
    user.save()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}", session.delete


def ratio(ours, theirs):
    if ours is None or not theirs:
        return None
    return round(ours / theirs, 3)


def machine() -> dict:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024} MB"
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT 'SQLite ' || sqlite_version()")
        return cursor.fetchone()[0]


# --- Report ----------------------------------------------------------------------------------


def fmt(value, digits=1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def table(results: dict) -> str:
    header = (
        f"{'request':36} {'q':>3} {'p50':>8} {'p95':>8} {'p99':>8} {'rps@8':>7} "
        f"{'raw p50':>8} {'admin p95':>9} {'dset p95':>9} {'dset rps@8':>10} {'vs dset':>7}"
    )
    lines = [header, "-" * len(header)]
    for row in results["requests"]:
        site, raw = row["site"], row.get("raw") or {}
        admin = (row.get("admin") or {}).get("c1", {})
        dset = row.get("datasette") or {}
        lines.append(
            f"{row['name'][:36]:36} {fmt(row['queries']):>3} {fmt(site['c1']['p50_ms']):>8} "
            f"{fmt(site['c1']['p95_ms']):>8} {fmt(site['c1']['p99_ms']):>8} "
            f"{fmt(site.get('c8', {}).get('requests_per_second')):>7} "
            f"{fmt(raw.get('p50_ms')):>8} {fmt(admin.get('p95_ms')):>9} "
            f"{fmt(dset.get('c1', {}).get('p95_ms')):>9} "
            f"{fmt(dset.get('c8', {}).get('requests_per_second')):>10} "
            f"{fmt(row['ratios'].get('p95_vs_datasette'), 2):>7}"
        )
    lines.append("(latencies in ms at concurrency 1; rps@8 = requests/s at concurrency 8)")
    for name, figures in results.get("csv", {}).items():
        lines.append(
            f"CSV {name}: {fmt(figures.get('rows'))} rows in {fmt(figures.get('seconds'), 2)}s = "
            f"{fmt(figures.get('rows_per_second'))} rows/s, worker memory growth "
            f"{fmt(figures.get('memory_growth_mb'))} MB"
        )
    for name, figures in results.get("extras", {}).items():
        lines.append(f"{name}: {json.dumps(figures)}")
    return "\n".join(lines)


# --- Main ------------------------------------------------------------------------------------


def has_app(label: str) -> bool:
    from django.apps import apps

    return apps.is_installed(label)


def run(options: Options) -> dict:
    started = time.monotonic()
    options.data_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="casetrack-bench")))
        environment = production_environment(options, scratch / "static")
        os.environ.update({key: environment[key] for key in environment})
        import django

        django.setup()
        loaded = prepare_data(options, environment)
        manage(environment, "collectstatic", "--noinput", "--verbosity", "0")
        parameters = choose_parameters(options.csv_rows)
        log(f"parameters: {parameters}")

        from bench.sqlite_export import export

        # Datasette names the database after the file: /bench/<table>.
        sqlite_path = options.data_dir / f"{options.records}-{options.seed}" / "bench.sqlite3"
        fingerprint = sqlite_path.with_suffix(".source")
        source = f"{options.database_url}|{options.records}|{options.seed}|{synthetic_counts()}"
        if (
            not sqlite_path.exists()
            or not fingerprint.exists()
            or fingerprint.read_text() != (source)
        ):
            export(sqlite_path, report=log)
            fingerprint.write_text(source)

        first_port = options.port or free_ports(3)[0]
        site_port, datasette_port, csv_port = first_port, first_port + 1, first_port + 2
        site = gunicorn(options, environment, site_port, options.workers, scratch)
        stack.callback(site.stop)
        dset = datasette(sqlite_path, datasette_port, scratch)
        stack.callback(dset.stop)
        site.wait_until_ready(f"http://127.0.0.1:{site_port}/")
        dset.wait_until_ready(f"http://127.0.0.1:{datasette_port}/")
        cookie, end_session = admin_session()
        stack.callback(end_session)
        has_api = has_app("api")

        site_base = f"http://127.0.0.1:{site_port}"
        dset_base = f"http://127.0.0.1:{datasette_port}"
        results = {
            "records": options.records,
            "database": database_version(),
            "machine": machine(),
            "data": loaded,
            "parameters": parameters,
            "settings": {
                "gunicorn_workers": options.workers,
                "c1_requests": options.c1_requests,
                "c8_requests": options.c8_requests,
            },
            "requests": [],
            "csv": {},
            "extras": {},
        }
        for scenario in scenarios(parameters, has_api):
            if scenario.csv:
                continue
            log(f"measuring {scenario.name}")
            status, statements, queries = captured_queries(scenario.site)
            row = {
                "name": scenario.name,
                "path": scenario.site,
                "status": status,
                "queries": queries,
                "site": measure_http(site_base, scenario.site, options),
                "raw": raw_sql(statements, options),
                "datasette_path": scenario.datasette,
                "admin_path": scenario.admin,
            }
            if scenario.admin:
                _, _, admin_queries = captured_queries(scenario.admin, cookie)
                row["admin"] = measure_http(
                    site_base, scenario.admin, options, {"Cookie": cookie}, c8=False
                )
                row["admin"]["queries"] = admin_queries
            if scenario.datasette:
                row["datasette"] = measure_http(dset_base, scenario.datasette, options)
            ours = row["site"]["c1"]["p95_ms"]
            row["ratios"] = {
                "p95_vs_raw": ratio(ours, row["raw"]["p95_ms"]),
                "p95_vs_admin": ratio(ours, (row.get("admin") or {}).get("c1", {}).get("p95_ms")),
                "p95_vs_datasette": ratio(
                    ours, (row.get("datasette") or {}).get("c1", {}).get("p95_ms")
                ),
            }
            results["requests"].append(row)
            save(options.output, results)  # a later failure keeps what was measured

        site.stop()
        csv_scenario = next(s for s in scenarios(parameters, has_api) if s.csv)
        log("measuring the CSV export on a fresh one-worker gunicorn")
        csv_site = gunicorn(options, environment, csv_port, 1, scratch)
        stack.callback(csv_site.stop)
        csv_site.wait_until_ready(f"http://127.0.0.1:{csv_port}/")
        fetch_once(f"http://127.0.0.1:{csv_port}/violations/")  # load the code paths first
        _, _, csv_queries = captured_queries(csv_scenario.site)
        results["csv"]["casetrack"] = measure_csv(
            f"http://127.0.0.1:{csv_port}{csv_scenario.site}", csv_site.worker_pids
        )
        results["csv"]["casetrack"]["queries"] = csv_queries
        results["csv"]["casetrack"]["path"] = csv_scenario.site
        results["csv"]["datasette"] = measure_csv(
            dset_base + csv_scenario.datasette, lambda: [dset.process.pid]
        )
        results["csv"]["datasette"]["path"] = csv_scenario.datasette
        csv_site.stop()
        dset.stop()

        results["extras"] = run_extras(options, environment, scratch, stack)
        results["seconds"] = round(time.monotonic() - started, 1)
    return results


def run_extras(options: Options, environment: dict, scratch: Path, stack: ExitStack) -> dict:
    """Article extraction and the import pipeline, when the articles app is installed."""
    extras = {}
    if not has_app("articles"):
        return extras
    from bench import pipeline

    if "extraction" in options.extras:
        log("measuring extraction on one core")
        extras["extraction"] = pipeline.measure_extraction(max_seconds=options.extraction_seconds)
    if "pipeline" in options.extras:
        log("measuring the import pipeline with a real worker")
        extras["pipeline"] = pipeline.measure_pipeline(options, environment, scratch, stack)
    return extras


def save(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")


def stop_on_terminate(signum, frame) -> None:
    """SIGTERM unwinds like Ctrl-C, so the servers and the worker we started are stopped."""
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    signal.signal(signal.SIGTERM, stop_on_terminate)
    options = parse_options(argv)
    results = run(options)
    save(options.output, results)
    print()
    print(table(results))
    print(f"\nresults written to {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
