"""The summaries are recomputed right after an editor's write, not by the next visitor.

Tasks run in-process in the test settings (no broker), so a queued settle has run by the
time the response is back; with a broker it runs in the worker.
"""

import logging
from decimal import Decimal

from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerUnreachable

from cases import tasks
from cases.models import PublicSummary, SummaryDirty, SummaryGrain, Violation
from config.celery import app
from tests.factories import ViolationFactory


def summary_usd(record_type: str = "violation") -> Decimal:
    rows = PublicSummary.objects.filter(record_type=record_type, grain=SummaryGrain.TOTALS)
    return sum((row.usd_total for row in rows), Decimal(0))


def test_an_admin_write_leaves_nothing_for_the_next_visitor(db, editor_client):
    violation = ViolationFactory(amount=Decimal("1000"), currency="USD")
    tasks.settle_summaries()
    assert not SummaryDirty.objects.exists()
    url = reverse("admin:cases_violation_changelist")

    response = editor_client.post(url, {"action": "unpublish", "_selected_action": [violation.pk]})

    assert response.status_code == 302
    assert not SummaryDirty.objects.exists()  # settled by the queued task, before any read
    assert summary_usd() == 0


def test_a_read_queues_nothing(db, client, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.settle_summaries, "delay", lambda: queued.append(1))
    ViolationFactory()
    assert SummaryDirty.objects.exists()

    assert client.get(reverse("cases:violations")).status_code == 200

    assert queued == []
    assert not SummaryDirty.objects.exists()  # the reader settled it itself, as before


def test_an_unreachable_broker_does_not_fail_the_write(db, editor_client, monkeypatch, caplog):
    violation = ViolationFactory(amount=Decimal("1000"), currency="USD")
    tasks.settle_summaries()

    def unreachable():
        raise BrokerUnreachable("connection refused")

    monkeypatch.setattr(tasks.settle_summaries, "delay", unreachable)
    url = reverse("admin:cases_violation_changelist")
    with caplog.at_level(logging.WARNING, logger="cases.middleware"):
        response = editor_client.post(
            url, {"action": "unpublish", "_selected_action": [violation.pk]}
        )

    assert response.status_code == 302
    assert not Violation.objects.get(pk=violation.pk).is_published
    assert SummaryDirty.objects.exists()  # left for the next reader
    assert "settle_summaries" in caplog.text


def test_the_periodic_settle_names_a_registered_task(db):
    from django.conf import settings

    name = settings.CELERY_BEAT_SCHEDULE["settle-summaries"]["task"]
    app.loader.import_default_modules()
    assert name in app.tasks
    assert app.tasks[name].name == tasks.settle_summaries.name == "cases.tasks.settle_summaries"
