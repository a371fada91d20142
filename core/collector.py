"""Python's cyclic garbage collection between requests rather than in the middle of one.

CPython collects whenever container allocations outnumber deallocations by a threshold
(2,000 on Python 3.13). A page of 50 API records crosses it about once a request, and every
tenth collection also walks the older generation: the pause lands on whichever request
happens to cross it, and sets the tail of the latencies. Measured in-process on the API's
settlement list at a million records (400 requests, gc.freeze() as in config.wsgi): p95
22.4-24.3 ms with the collector as CPython runs it, 18.0-18.3 ms with it run after each
response instead, for 0.35-0.45 ms of collecting a request that the visitor no longer waits
for. Unicorn's "out-of-band GC" for Ruby is the same idea.

``request_finished`` is sent when the server closes the response, after the last byte has
been written (Django sets Content-Length on a page, so the client has it all by then). A
request that allocates a lot (a CSV export, an admin import) still collects while it runs,
once per DURING_REQUEST_THRESHOLD allocations, so its memory stays bounded.

At that moment the server still holds the response, and through it the request, the view
and the serialised data: a collection then finds them alive and moves them to the older
generation, where they die and make every tenth collection walk ten requests' objects (the
API's list: 5.8 ms against 0.55 ms collected once they are released). A server that can
call ``collect_pending()`` after it has let go of the request (core.web_worker, the
gunicorn worker we serve with) sets ``deferred`` and does: the signal then only notes
which generation is due.
"""

import gc
from dataclasses import dataclass

from django.core.signals import request_finished

# Net container allocations before CPython collects during a request: well above what a
# page allocates (~2,000-5,000), low enough that a long export still collects as it goes.
DURING_REQUEST_THRESHOLD = 50_000


@dataclass(eq=False)  # a signal receiver: hashed by identity
class OutOfBandCollector:
    """After each request the young objects are collected, every ``middle_every``-th request
    the middle generation as well and every ``full_every``-th the whole heap, the cadence
    CPython's own thresholds (10 and 10) give."""

    middle_every: int = 10
    full_every: int = 100
    finished: int = 0
    deferred: bool = False
    pending: int | None = None

    def generation(self) -> int:
        """The oldest generation to collect after the request just finished."""
        if self.finished % self.full_every == 0:
            return 2
        if self.finished % self.middle_every == 0:
            return 1
        return 0

    def __call__(self, sender=None, **kwargs) -> None:
        self.finished += 1
        if self.deferred:
            self.pending = max(self.generation(), self.pending or 0)
        else:
            gc.collect(self.generation())

    def collect_pending(self) -> None:
        """The collection the finished requests left due, if any (deferred mode)."""
        if self.pending is not None:
            generation, self.pending = self.pending, None
            gc.collect(generation)


_DISPATCH_UID = "core.collector.out_of_band"
_installed: OutOfBandCollector | None = None


def install(collector: OutOfBandCollector | None = None) -> OutOfBandCollector:
    """Collect after each request (the server's entry point calls this once, config.wsgi)."""
    global _installed
    collector = _installed = collector or OutOfBandCollector()
    _, middle, full = gc.get_threshold()
    gc.set_threshold(DURING_REQUEST_THRESHOLD, middle, full)
    request_finished.disconnect(dispatch_uid=_DISPATCH_UID)
    request_finished.connect(collector, weak=False, dispatch_uid=_DISPATCH_UID)
    return collector


def uninstall(threshold: tuple[int, int, int]) -> None:
    """Back to CPython collecting on its own, at ``threshold`` (for tests)."""
    global _installed
    _installed = None
    request_finished.disconnect(dispatch_uid=_DISPATCH_UID)
    gc.set_threshold(*threshold)


def installed() -> OutOfBandCollector | None:
    """The collector ``install`` put in place in this process, if any."""
    return _installed
