"""Throwaway services for the fault tests: a Redis, a PostgreSQL cluster and Celery workers
that a test may stop, kill and start again without touching the machine's own servers.

Every process is started on 127.0.0.1, on a free port (from TEST_PORT_RANGE, e.g.
"8840-8849", when set), and stopped by its owner's ``finally`` even when a test fails.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port nothing listens on: from TEST_PORT_RANGE if set, else one the system picks."""
    low, _, high = os.environ.get("TEST_PORT_RANGE", "").partition("-")
    candidates = range(int(low), int(high) + 1) if low and high else [0]
    for port in candidates:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"No free port in TEST_PORT_RANGE={os.environ['TEST_PORT_RANGE']}")


def wait_until(predicate, *, timeout: float, what: str, log=None) -> None:
    """Poll until predicate() is true; raise with the given log's tail after the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tail = f"\n{log()}" if log else ""
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}.{tail}")


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def read_tail(path: Path, chars: int = 6000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except FileNotFoundError:
        return "(no log)"


class ThrowawayRedis:
    """A redis-server without persistence: stopping it loses every queued message."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.directory / "redis.log").open("a")
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        wait_until(self.is_up, timeout=30, what="redis-server", log=self.log)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def is_up(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def log(self) -> str:
        return read_tail(self.directory / "redis.log")


def postgres_bin_dir() -> Path:
    """The newest installed PostgreSQL server's programs (initdb is not on PATH on Debian)."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("No PostgreSQL server programs (initdb) found")
    return Path(initdb).parent


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary directory, on a port of its own.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres`
    user and its programs run as that user.
    """

    def __init__(self):
        self.bin = postgres_bin_dir()
        self.directory = Path(tempfile.mkdtemp(prefix="casetrack-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.directory, "postgres", "postgres")

    def _run(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed:\n{result.stdout}\n{result.stderr}\n{self.log()}")

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "pg.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``fast`` ends every client connection, as an outage does."""
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def is_running(self) -> bool:
        status = subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "status"],
            capture_output=True,
        )
        return status.returncode == 0

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        import psycopg2

        connection = psycopg2.connect(self.url("postgres"))
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def log(self) -> str:
        return read_tail(self.directory / "pg.log")


class Worker:
    """One `celery worker` process (solo pool) that a test can kill and start again."""

    def __init__(self, env: dict, queue: str, directory: Path, name: str):
        self.env = env
        self.queue = queue
        self.directory = directory
        self.name = name
        self.starts = 0
        self.process: subprocess.Popen | None = None
        self.log_path = directory / f"{name}.log"

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        self.starts += 1
        self.log_path = self.directory / f"{self.name}-{self.starts}.log"
        with self.log_path.open("w") as log_file:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "config", "worker",
                    "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                    "--without-heartbeat", "-Q", self.queue,
                    "-n", f"{self.name}-{self.starts}@%h",
                ],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait_ready(self) -> None:
        wait_until(
            lambda: "ready." in read_tail(self.log_path, 20000) or self.process.poll() is not None,
            timeout=60,
            what=f"worker {self.name}",
            log=self.log,
        )
        if self.process.poll() is not None:
            raise AssertionError(f"Worker {self.name} exited:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgement, as when the machine loses the process."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def log(self) -> str:
        logs = sorted(self.directory.glob(f"{self.name}-*.log"))
        return "\n".join(f"--- {path.name}\n{read_tail(path, 4000)}" for path in logs)

    def all_logs(self) -> str:
        logs = sorted(self.directory.glob(f"{self.name}-*.log"))
        return "\n".join(path.read_text(errors="replace") for path in logs)
