"""Poll feeds now: every active feed, one feed by address, or a saved feed file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles import services, tasks
from articles.fetching import normalise_url
from articles.models import Feed
from articles.parsing import MalformedFeed


class Command(BaseCommand):
    help = (
        "Poll all active feeds now, or one feed (--feed URL), or import a saved feed file "
        "(--file PATH, e.g. articles/demo/feed.xml). Articles are fetched and findings "
        "extracted by the workers, or in-process when no broker is configured."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--feed", metavar="URL", help="Poll this feed (added if unknown).")
        group.add_argument("--file", metavar="PATH", help="Import entries from a saved feed file.")
        parser.add_argument(
            "--publisher", default="", help="Publisher to record for a --file import."
        )

    def handle(self, *args, feed=None, file=None, publisher="", **options):
        if file:
            return self._import_file(Path(file), publisher)
        if feed:
            feeds = [self._feed_for(feed)]
        else:
            feeds = list(Feed.objects.active())
            if not feeds:
                self.stdout.write("No active feeds. Add one in the admin or use --feed/--file.")
                return
        for one in feeds:
            result = tasks.fetch_feed.apply(args=[one.pk]).get()
            self.stdout.write(
                f"{one.name}: {result['outcome']}, {result['articles_created']} new article(s)"
            )

    def _feed_for(self, url: str) -> Feed:
        if not url.lower().startswith(("http://", "https://")):
            raise CommandError(f"{url!r} is not an http(s) address.")
        existing = Feed.objects.filter(url__in={url, normalise_url(url)}).first()
        if existing:
            return existing
        return services.feed_create(url=url, name=url[:200])

    def _import_file(self, path: Path, publisher: str):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with transaction.atomic():
                result = services.feed_import_payload(path.read_bytes(), publisher=publisher)
                tasks.enqueue_article_work(result.to_fetch, result.to_extract)
        except MalformedFeed as error:
            raise CommandError(f"{path}: {error}") from error
        poll = result.poll
        self.stdout.write(
            f"{path}: {poll.entries_seen} entries, {poll.articles_created} new article(s), "
            f"{poll.entries_rejected} skipped"
        )
