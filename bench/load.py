"""A small HTTP load client: keep-alive connections on threads, every loop bounded.

Each worker thread owns one persistent HTTP/1.1 connection to 127.0.0.1 and sends the
same GET until the request budget or the time budget runs out, whichever comes first.
Latency is measured from sending the request to reading the last byte of the body.
"""

import http.client
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    body_bytes: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    def percentile(self, share: float) -> float | None:
        """Nearest-rank percentile of the latencies (None when nothing was measured)."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        rank = max(1, round(share * len(ordered) + 0.5))
        return ordered[min(rank, len(ordered)) - 1]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        def rounded(value):
            return None if value is None else round(value, 2)

        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "p50_ms": rounded(self.percentile(0.50)),
            "p95_ms": rounded(self.percentile(0.95)),
            "p99_ms": rounded(self.percentile(0.99)),
            "requests_per_second": round(self.throughput, 2),
            "statuses": {str(code): count for code, count in sorted(self.statuses.items())},
            "mean_body_bytes": round(self.body_bytes / self.requests) if self.requests else 0,
            "errors": self.errors[:5],
        }


def fetch_once(url: str, headers: dict | None = None, timeout: float = 120.0):
    """One GET on a fresh connection: (status, body bytes, seconds)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        started = time.perf_counter()
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - started
    finally:
        connection.close()


def run_load(
    url: str,
    *,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    headers: dict | None = None,
    timeout: float = 60.0,
) -> LoadResult:
    """Send up to ``max_requests`` GETs with ``concurrency`` connections for at most
    ``max_seconds`` (a request already sent when time runs out is still waited for)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("The load client only talks to 127.0.0.1 over plain HTTP.")
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    result = LoadResult()
    lock = threading.Lock()
    budget = [max_requests]
    deadline = time.monotonic() + max_seconds

    def take() -> bool:
        with lock:
            if budget[0] <= 0 or time.monotonic() >= deadline:
                return False
            budget[0] -= 1
            return True

    def worker():
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            while take():
                started = time.perf_counter()
                try:
                    connection.request("GET", path, headers=headers or {})
                    response = connection.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException) as error:
                    with lock:
                        result.errors.append(f"{type(error).__name__}: {error}")
                    connection.close()
                    connection = http.client.HTTPConnection(
                        parts.hostname, parts.port, timeout=timeout
                    )
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    result.latencies_ms.append(elapsed)
                    result.statuses[response.status] = result.statuses.get(response.status, 0) + 1
                    result.body_bytes += len(body)
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection(
                        parts.hostname, parts.port, timeout=timeout
                    )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max_seconds + timeout + 5)
    result.seconds = time.perf_counter() - started
    return result
