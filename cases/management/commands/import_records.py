from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.importing import ImportRefused, import_records


class Command(BaseCommand):
    help = (
        "Import violations or settlements from a CSV file: Casetrack's own export layout or "
        "the public GDPR-fines dataset layout. Prints a summary and writes a per-row report."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The CSV file to import.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Do everything, report it, then roll it all back.",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish imported records (rows flagged for review stay unpublished).",
        )
        parser.add_argument(
            "--report",
            type=Path,
            help="Where to write the per-row report (default: PATH with .report.csv).",
        )

    def handle(self, *args, path: Path, dry_run: bool, publish: bool, report: Path, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        try:
            result = import_records(data, dry_run=dry_run, publish=publish)
        except ImportRefused as refusal:
            raise CommandError(f"{path} was not imported, nothing was written: {refusal}") from None
        report_path = report or path.with_name(f"{path.stem}.report.csv")
        with report_path.open("w", newline="", encoding="utf-8") as stream:
            result.write_csv(stream)
        for line in result.summary_lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Per-row report: {report_path}"))
