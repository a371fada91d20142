"""Recompute the summaries in the background after an editor's write (cases.tasks)."""

import logging

from django.db import DatabaseError
from kombu.exceptions import KombuError

from cases.models import SummaryDirty
from cases.tasks import settle_summaries

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class SettleSummariesAfterWrites:
    """After a request that may have written (admin saves, actions, imports), queue a settle.

    Only when the triggers left marks: one EXISTS query per write request, none per read.
    A broker that cannot be reached costs nothing but the head start: the next reader
    settles as before.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 500:
            try:
                if SummaryDirty.objects.exists():
                    settle_summaries.delay()
            except (KombuError, OSError, DatabaseError):
                logger.warning(
                    "could not queue settle_summaries; readers will settle", exc_info=True
                )
        return response
