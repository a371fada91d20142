"""Garbage collection runs after each response (core.collector), not inside requests."""

import gc
import importlib

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
