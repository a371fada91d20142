"""Print the findings the extractor makes from one article, as JSON."""

import datetime
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from articles import extraction
from articles.parsing import article_text
from articles.selectors import gazetteer_from_database


class Command(BaseCommand):
    help = (
        "Read a text or HTML article (PATH, or - for standard input) and print the companies "
        "and findings the extractor proposes, as JSON. Writes nothing to the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Article file, text or HTML; - reads standard input.")
        parser.add_argument(
            "--published",
            type=_date,
            help="Publication date (YYYY-MM-DD), to resolve “on Thursday” and the like.",
        )
        parser.add_argument(
            "--title", default="", help="Title, if the file does not start with it."
        )

    def handle(self, *args, path, published=None, title="", **options):
        raw = self._read(path)
        content_type = "text/html" if "<" in raw and ">" in raw else "text/plain"
        page = article_text(raw, content_type)
        text = page.text
        if content_type == "text/html" and page.title and not title:
            title = page.title
        try:
            gazetteer = gazetteer_from_database()
        except DatabaseError:  # no database yet: the built-in names still work
            gazetteer = None
        result = extraction.extract(
            text, title=title, published=published or page.published_on, gazetteer=gazetteer
        )
        self.stdout.write(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))

    @staticmethod
    def _read(path: str) -> str:
        if path == "-":
            return sys.stdin.read()
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        data = file.read_bytes()
        return data.decode("utf-8", errors="replace")


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--published must be YYYY-MM-DD, not {value!r}.") from error
