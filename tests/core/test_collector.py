"""Garbage collection runs after each response (core.collector), not inside requests."""

import gc
import importlib
import weakref

import pytest
from django.core.signals import request_finished
from django.test import Client

from core import collector as out_of_band


@pytest.fixture
def installed():
    """A collector collecting the middle generation every 2nd and the heap every 3rd
    request; CPython's own collecting restored afterwards."""
    threshold = gc.get_threshold()
    collector = out_of_band.install(out_of_band.OutOfBandCollector(middle_every=2, full_every=3))
    yield collector
    out_of_band.uninstall(threshold)


def collections() -> list[int]:
    return [generation["collections"] for generation in gc.get_stats()]


def test_the_cadence_gives_older_generations_their_turn():
    collector = out_of_band.OutOfBandCollector(middle_every=10, full_every=100)
    generations = []
    for _ in range(200):
        collector.finished += 1
        generations.append(collector.generation())
    assert generations.count(2) == 2  # the 100th and the 200th
    assert generations.count(1) == 18  # every 10th, less those two
    assert generations[9] == 1 and generations[99] == 2 and generations[0] == 0


@pytest.mark.django_db
def test_each_finished_request_collects_its_generation(installed):
    """Six requests: the 3rd and 6th collect the whole heap, the 2nd and 4th the middle."""
    assert gc.get_threshold()[0] == out_of_band.DURING_REQUEST_THRESHOLD
    client = Client()
    before = collections()
    for _ in range(6):
        assert client.get("/api/laws/").status_code == 200
    after = collections()
    assert installed.finished == 6
    assert after[2] - before[2] >= 2
    assert after[1] - before[1] >= 2


def receiver_uids() -> list:
    return [receiver[0][0] for receiver in request_finished.receivers]


def test_uninstall_gives_collecting_back_to_cpython(installed):
    assert out_of_band._DISPATCH_UID in receiver_uids()
    out_of_band.uninstall((700, 10, 10))
    assert out_of_band._DISPATCH_UID not in receiver_uids()
    assert gc.get_threshold() == (700, 10, 10)


def test_the_wsgi_entry_point_installs_it():
    import config.wsgi

    threshold = gc.get_threshold()
    out_of_band.uninstall((700, 10, 10))  # whatever an earlier import installed
    try:
        importlib.reload(config.wsgi)
        assert out_of_band._DISPATCH_UID in receiver_uids()
        assert gc.get_threshold()[0] == out_of_band.DURING_REQUEST_THRESHOLD
    finally:
        out_of_band.uninstall(threshold)


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self):
        self.myself = self


@pytest.mark.django_db  # request_finished closes old database connections
def test_deferred_the_signal_only_notes_the_generation_due(installed):
    """Six requests with the fixture's cadence: nothing collected until asked, then the
    oldest generation due (the heap, for the 3rd and 6th) once."""
    installed.deferred = True
    for _ in range(2):
        request_finished.send(sender=None)
    assert installed.pending == 1
    garbage = weakref.ref(Node())
    request_finished.send(sender=None)
    assert installed.pending == 2
    assert garbage() is not None, "collected in the signal"
    before = collections()
    installed.collect_pending()
    assert garbage() is None
    assert collections()[2] == before[2] + 1
    assert installed.pending is None
    installed.collect_pending()  # nothing due: no collection
    assert collections()[2] == before[2] + 1


def worker_serving(handle_request, monkeypatch):
    """Our gunicorn worker with gthread's ``handle`` replaced by ``handle_request`` (the
    real one needs a socket and an HTTP parser)."""
    from gunicorn.workers.base import Worker
    from gunicorn.workers.gthread import ThreadWorker

    from core.web_worker import CollectingThreadWorker

    monkeypatch.setattr(Worker, "load_wsgi", lambda self: None)
    monkeypatch.setattr(ThreadWorker, "handle", lambda self, conn: handle_request(conn))
    worker = CollectingThreadWorker.__new__(CollectingThreadWorker)
    worker.load_wsgi()
    return worker


@pytest.mark.django_db  # request_finished closes old database connections
def test_the_worker_collects_after_it_has_released_the_request(installed, monkeypatch):
    """With the collection in the signal, the request's cycle is alive when the collector
    runs and survives into the older generation; after ``handle`` it is freed at once."""
    seen = {}

    def handle_request(conn):
        response = Node()
        seen["response"] = weakref.ref(response)
        request_finished.send(sender=None)  # the server closing the response
        seen["alive_at_signal"] = seen["response"]() is not None
        return True

    worker = worker_serving(handle_request, monkeypatch)
    assert worker.collector is installed and installed.deferred
    assert worker.handle(conn=None) is True
    assert seen["alive_at_signal"]
    assert seen["response"]() is None, "the released request's cycle was not collected"
    assert installed.pending is None


@pytest.mark.django_db  # request_finished closes old database connections
def test_the_worker_collects_even_when_the_request_fails(installed, monkeypatch):
    def handle_request(conn):
        request_finished.send(sender=None)
        raise OSError("connection reset")

    worker = worker_serving(handle_request, monkeypatch)
    with pytest.raises(OSError):
        worker.handle(conn=None)
    assert installed.pending is None
