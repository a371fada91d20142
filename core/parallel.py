"""A request's independent reads, side by side: one runs on a second database connection.

The search's companies statement does not depend on its record statements, which take
longer: run one after the other they add up; run at once, on two connections, the companies
cost nothing more than the wait for the records (PostgreSQL works on each in its own
process, and the Python thread waiting for one releases the GIL). ``start(function, *args)``
runs ``function(*args)`` in this process's reader thread, whose own connection Django keeps
as it keeps a request's (``CONN_MAX_AGE``, health checks: ``close_old_connections`` before
the first read of each request); ``.result()`` waits for it and raises what it raised.

It runs at once, in the calling thread, inside a transaction (another connection would not
see the transaction's writes: in tests, every TestCase) and when
``DATABASE_PARALLEL_READS`` is off.
"""

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.core.signals import request_started
from django.db import close_old_connections, connection, connections

_lock = threading.Lock()
_reader: tuple[int, ThreadPoolExecutor] | None = None


_in_reader = threading.local()


def _mark_reader() -> None:
    _in_reader.active = True


def _executor() -> ThreadPoolExecutor:
    """This process's reader thread (a worker forked by gunicorn starts its own)."""
    global _reader
    with _lock:
        if _reader is None or _reader[0] != os.getpid():
            executor = ThreadPoolExecutor(
                1, thread_name_prefix="casetrack-read", initializer=_mark_reader
            )
            _reader = (os.getpid(), executor)
        return _reader[1]


class _Requests:
    """How many requests this process has begun, and at which the reader last checked its
    connection: as Django checks a request's connection once, when the request begins."""

    begun = 0
    checked_at = None


def _request_begun(**kwargs) -> None:
    _Requests.begun += 1


request_started.connect(_request_begun, dispatch_uid="core.parallel")


def _read(function: Callable, args: tuple):
    # The reader's connection, expired or broken, is replaced: once per request (Django's
    # check is a round trip to the database), each time outside requests.
    if _Requests.checked_at != _Requests.begun or not _Requests.begun:
        close_old_connections()
        _Requests.checked_at = _Requests.begun
    return function(*args)


def start(function: Callable, *args) -> Future:
    """``function(*args)`` in the reader thread, or here and now (see the module; and in
    the reader thread itself, which would otherwise wait for itself)."""
    here = getattr(_in_reader, "active", False) or connection.in_atomic_block
    if here or not getattr(settings, "DATABASE_PARALLEL_READS", True):
        done: Future = Future()
        done.set_result(function(*args))
        return done
    return _executor().submit(_read, function, args)


def stop() -> None:
    """Close the reader thread's connections and end the thread (tests, before the test
    database is dropped)."""
    global _reader
    with _lock:
        reader, _reader = _reader, None
    if reader is not None and reader[0] == os.getpid():
        reader[1].submit(connections.close_all).result()
        reader[1].shutdown()


def side_by_side(first: Callable[[], object], *others: Callable[[], object]) -> list:
    """Run ``first`` on the reader thread (as ``start``) while ``others`` run here, one
    after the other; their results, in the order given."""
    started = start(first)
    rest = [other() for other in others]
    return [started.result(), *rest]
