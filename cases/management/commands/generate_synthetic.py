from django.core.management.base import BaseCommand, CommandError

from cases.synthetic import SyntheticGenerator


class Command(BaseCommand):
    help = (
        "Generate deterministic synthetic companies, lawsuits, settlements and violations for "
        "benchmarks. Everything it writes is marked (slugs start with syn-)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--records",
            type=int,
            default=10_000,
            help="Lawsuits + settlements + violations to create (default 10,000).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--clear",
            action="store_true",
            help="First remove synthetic rows from an earlier run (real records are kept).",
        )

    def handle(self, *args, records, seed, clear, **options):
        if records < 10:
            raise CommandError("--records must be at least 10.")
        generator = SyntheticGenerator(records=records, seed=seed, report=self.stdout.write)
        if clear:
            generator.clear()
        elif generator_has_data():
            raise CommandError(
                "Synthetic rows from an earlier run exist; pass --clear to replace them."
            )
        counts = generator.run()
        self.stdout.write(self.style.SUCCESS(f"Synthetic data: {counts}"))


def generator_has_data() -> bool:
    from companies.models import Company

    return Company.objects.filter(slug__startswith="syn-").exists()
