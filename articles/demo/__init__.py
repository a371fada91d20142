"""The demo corpus: articles written for Casetrack, their expected facts, and a sample feed.

``feed.xml`` is built from the article files by :func:`build_feed` (run
``python -m articles.demo`` after editing an article); a test checks that it is current.
"""

import datetime
import json
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

DEMO_DIR = Path(__file__).resolve().parent
ARTICLES_DIR = DEMO_DIR / "articles"
FEED_PATH = DEMO_DIR / "feed.xml"
EXPECTATIONS_PATH = DEMO_DIR / "expectations.json"
DEMO_BASE_URL = "https://demo.casetrack.invalid/articles/"


def expectations() -> list[dict]:
    return json.loads(EXPECTATIONS_PATH.read_text(encoding="utf-8"))["articles"]


def article_title_and_body(slug: str) -> tuple[str, str]:
    text = (ARTICLES_DIR / f"{slug}.txt").read_text(encoding="utf-8").strip()
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def build_feed() -> str:
    items = []
    for article in expectations():
        title, body = article_title_and_body(article["slug"])
        published = datetime.datetime.fromisoformat(article["published"]).replace(
            hour=9, tzinfo=datetime.UTC
        )
        paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in body.split("\n\n") if p.strip())
        url = f"{DEMO_BASE_URL}{article['slug']}/"
        items.append(
            "    <item>\n"
            f"      <title>{escape(title)}</title>\n"
            f"      <link>{url}</link>\n"
            f'      <guid isPermaLink="true">{url}</guid>\n'
            f"      <pubDate>{format_datetime(published)}</pubDate>\n"
            f"      <dc:creator>{escape(article['publisher'])}</dc:creator>\n"
            f"      <description>{escape(body.split(chr(10))[0][:300])}</description>\n"
            f"      <content:encoded><![CDATA[{paragraphs}]]></content:encoded>\n"
            "    </item>\n"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        "  <channel>\n"
        "    <title>Casetrack demo: enforcement news</title>\n"
        f"    <link>{DEMO_BASE_URL}</link>\n"
        "    <description>Articles written for Casetrack's demo and tests.</description>\n"
        f"{''.join(items)}"
        "  </channel>\n"
        "</rss>\n"
    )
