"""core.parallel: a read started on the reader thread gives what it gives in the caller."""

import datetime
import threading

import pytest
from django.db import connection, connections

from cases import public_selectors
from companies.models import Company
from core import parallel
from tests.factories import (
    CompanyFactory,
    LawFactory,
    LawsuitFactory,
    SettlementFactory,
    SourceFactory,
    ViolationFactory,
)


def backend_and_thread() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0], threading.current_thread().name


def failing():
    raise LookupError("read failed")


@pytest.fixture
def reader():
    yield
    parallel.stop()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_reads_on_the_reader_thread_and_its_connection(reader):
    CompanyFactory(name="Committed")
    here = backend_and_thread()
    there = parallel.start(backend_and_thread).result()
    assert there[1].startswith("casetrack-read") and there[0] != here[0]
    again = parallel.start(backend_and_thread).result()
    assert again == there  # one thread, one connection kept
    names = parallel.start(lambda: list(Company.objects.values_list("name", flat=True)))
    assert names.result() == ["Committed"]  # committed rows are seen there
    with pytest.raises(LookupError, match="read failed"):
        parallel.start(failing).result()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_stop_closes_the_readers_connection(reader):
    backend, _ = parallel.start(backend_and_thread).result()
    parallel.stop()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend])
        assert cursor.fetchone()[0] == 0
    assert parallel.start(backend_and_thread).result()[0] != backend  # a new thread, anew


@pytest.mark.django_db
def test_inside_a_transaction_it_reads_here_and_now():
    assert connection.in_atomic_block
    CompanyFactory(name="Uncommitted")  # another connection would not see it
    future = parallel.start(lambda: (threading.current_thread(), Company.objects.count()))
    assert future.done() and future.result() == (threading.current_thread(), 1)
    with pytest.raises(LookupError):
        parallel.start(failing)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_turned_off_it_reads_here(reader, settings):
    settings.DATABASE_PARALLEL_READS = False
    assert parallel.start(threading.current_thread).result() is threading.current_thread()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_search_finds_the_same_read_two_at_a_time_or_one_after_the_other(reader, settings):
    holdings = CompanyFactory(name="Northwind Holdings")
    CompanyFactory(name="Northwind")
    for year in (2019, 2020, 2021):
        ViolationFactory(company=holdings, decided_on=datetime.date(year, 5, 1))

    def found():
        results = public_selectors.search("Northwind")
        groups = (results.companies, results.lawsuits, results.settlements, results.violations)
        return [[record.pk for record in group] for group in groups]

    together = found()
    settings.DATABASE_PARALLEL_READS = False
    assert found() == together
    assert len(together[0]) == 2 and len(together[3]) == 3
    assert "casetrack-read" in {thread.name[:14] for thread in threading.enumerate()}
    assert connections["default"].in_atomic_block is False


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_side_by_side_runs_the_first_on_the_reader_and_gives_results_in_order(reader):
    first, second, third = parallel.side_by_side(
        backend_and_thread, backend_and_thread, lambda: "third"
    )
    assert first[1].startswith("casetrack-read") and first[0] != second[0]
    assert second[1] == threading.current_thread().name and third == "third"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_api_lists_write_the_same_related_rows_read_two_at_a_time(reader, settings, client):
    """The list pages' related rows (defendants, laws, settlements, sources) are read two at
    a time; each list answers what it answers with them read one after the other."""
    law = LawFactory()
    for _ in range(3):
        lawsuit = LawsuitFactory(defendants=[CompanyFactory(), CompanyFactory()])
        lawsuit.laws.add(law)
        settlement = SettlementFactory(lawsuit=lawsuit)
        violation = ViolationFactory(lawsuit=lawsuit)
        for record in (lawsuit, settlement, violation):
            record.sources.add(SourceFactory(), SourceFactory())
        violation.laws.add(law)
    addresses = ("/api/lawsuits/", "/api/settlements/", "/api/violations/")
    together = [client.get(address).json() for address in addresses]
    settings.DATABASE_PARALLEL_READS = False
    assert [client.get(address).json() for address in addresses] == together
    lawsuit = together[0]["results"][0]
    assert len(lawsuit["defendants"]) == 2 and lawsuit["laws"] and lawsuit["settlements"]
    assert len(lawsuit["sources"]) == 2 and len(together[1]["results"][0]["sources"]) == 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_reader_checks_its_connection_once_per_request(reader, monkeypatch):
    from django.core.signals import request_started

    checks = []
    monkeypatch.setattr(parallel, "close_old_connections", lambda: checks.append(1))
    request_started.send(sender=None)
    parallel.start(backend_and_thread).result()
    parallel.start(backend_and_thread).result()
    assert len(checks) == 1
    request_started.send(sender=None)
    parallel.start(backend_and_thread).result()
    assert len(checks) == 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_read_started_from_the_reader_runs_there_at_once(reader):
    def nested():
        return threading.current_thread().name, parallel.start(backend_and_thread).result()

    outer, inner = parallel.start(nested).result(timeout=10)  # not waiting for itself
    assert outer.startswith("casetrack-read") and inner[1] == outer
