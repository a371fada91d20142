"""Recompute the public summaries from the rows (see ``cases.summary``)."""

import time

from django.core.management.base import BaseCommand

from cases import summary


class Command(BaseCommand):
    help = (
        "Recompute every public summary (list totals and facets, statistics, company totals) "
        "from the records. Never needed for correctness after ordinary writes (triggers mark "
        "what changed); useful after restoring a backup made without them or loading data "
        "with the triggers off."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        summary.rebuild()
        self.stdout.write(f"summaries rebuilt in {time.monotonic() - started:.1f}s")
