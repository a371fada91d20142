import sys

from django.core.management.base import BaseCommand, CommandError

from cases import search_documents


class Command(BaseCommand):
    help = (
        "Check (--check) or recompute (--rebuild) the stored search documents of lawsuits, "
        "settlements and violations (PostgreSQL). Triggers keep them right; this verifies it."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true", help="List stale documents.")
        action.add_argument("--rebuild", action="store_true", help="Recompute every document.")

    def handle(self, *args, check=False, rebuild=False, **options):
        if not search_documents.is_supported():
            raise CommandError("Search documents exist on PostgreSQL only.")
        if rebuild:
            search_documents.rebuild()
            self.stdout.write("Search documents rebuilt.")
            return
        stale = {label: ids for label, ids in search_documents.drift().items() if ids}
        for label, ids in stale.items():
            listed = ", ".join(str(pk) for pk in ids)
            self.stdout.write(f"{label}: {len(ids)} stale (ids {listed})")
        if stale:
            sys.exit(1)
        self.stdout.write("Every search document is up to date.")
