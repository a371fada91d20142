"""Background work for the records: recomputing the summaries soon after a write.

The summaries are exact because every reader settles the slices the triggers marked before
reading (cases.summary). Settling here, right after an editor's write, means the next
visitor usually finds nothing to recompute instead of paying for it (seconds for a large
year or family at a million records). Readers still settle first, so nothing depends on
this task having run: it only moves the cost from the visitor to the worker.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from cases import summary


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_kwargs={"max_retries": 5},
)
def settle_summaries() -> None:
    summary.settle()
