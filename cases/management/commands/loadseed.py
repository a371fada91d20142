from django.core.management.base import BaseCommand

from cases.seed import load_seed


class Command(BaseCommand):
    help = "Load the seed records (TikTok, ByteDance, the $92M settlement, the 2019 FTC penalty)."

    def handle(self, *args, **options):
        outcomes = load_seed()
        summary = ", ".join(f"{outcomes[k]} {k}" for k in ("created", "updated", "unchanged"))
        self.stdout.write(self.style.SUCCESS(f"Seed records loaded: {summary}."))
