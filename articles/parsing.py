"""Turn fetched bytes into plain, safe text: feed entries and article bodies.

Titles and summaries from feeds may carry markup or script; they are reduced to plain text
here, once, so that nothing downstream ever stores or shows markup from outside.
"""

import datetime
import html
import re
from dataclasses import dataclass
from xml.sax import SAXException

import feedparser
import nh3

from articles.fetching import normalise_url

# A feed entry's own content counts as the article when it is at least this long.
FULL_CONTENT_MIN_CHARS = 200


class MalformedFeed(Exception):
    pass


def plain_text(value: str | None, max_length: int | None = None) -> str:
    """Markup removed (script and style with their content), entities decoded, spaces tidied."""
    text = value or ""
    # Block-level ends become line breaks so that paragraphs survive as paragraphs.
    text = re.sub(r"(?i)<\s*(?:br\s*/?|/p|/div|/li|/h[1-6]|/blockquote|/tr)\s*>", "\n", text)
    for _ in range(3):
        cleaned = html.unescape(nh3.clean(text, tags=set(), clean_content_tags={"script", "style"}))
        if cleaned == text:
            break
        text = cleaned
    # Anything still shaped like a tag after three passes is dropped, never kept as markup.
    text = re.sub(r"<\s*/?\s*[a-zA-Z!][^>]*>?", " ", text)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\s*\n\s*", "\n", text).strip()
    if max_length and len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


@dataclass
class FeedEntry:
    url: str
    guid: str
    title: str
    summary: str
    content: str
    published_on: datetime.date | None


@dataclass
class ParsedFeed:
    title: str
    entries: list[FeedEntry]
    rejected: list[str]  # why each unusable entry was skipped


# A numeric character reference, e.g. &#xD800; or &#55296;.
_CHARACTER_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def _without_surrogate_references(payload: bytes | str) -> bytes:
    """References to UTF-16 surrogates become U+FFFD: feedparser crashes re-encoding them."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "replace")

    def replace(match: re.Match) -> bytes:
        hexadecimal, decimal = match.groups()
        code_point = int(hexadecimal, 16) if hexadecimal else int(decimal)
        return b"&#xFFFD;" if 0xD800 <= code_point <= 0xDFFF else match.group(0)

    return _CHARACTER_REFERENCE.sub(replace, payload)


def parse_feed(payload: bytes | str, base_url: str = "") -> ParsedFeed:
    """Entries with a usable http(s) link; a document that is not a feed raises MalformedFeed."""
    try:
        parsed = feedparser.parse(
            _without_surrogate_references(payload),
            response_headers={"content-location": base_url},
        )
    except UnicodeError as error:
        # Text feedparser cannot re-encode (a surrogate reached it another way).
        raise MalformedFeed(f"Not a readable feed: undecodable text ({error.reason})") from error
    if not parsed.entries and not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "no RSS or Atom structure found"
        raise MalformedFeed(f"Not a readable feed: {reason}")
    syntax_error = parsed.get("bozo_exception")
    if not isinstance(syntax_error, SAXException):
        syntax_error = None
    entries, rejected = [], []
    for raw in parsed.entries:
        link = raw.get("link") or ""
        title = plain_text(raw.get("title"), 500)
        if not link or not link.lower().startswith(("http://", "https://")):
            rejected.append(f"{title or 'untitled entry'}: no http(s) link ({link[:200]!r})")
            continue
        content = ""
        for block in raw.get("content") or []:
            content = max(content, plain_text(block.get("value")), key=len)
        entries.append(
            FeedEntry(
                url=normalise_url(link),
                guid=(raw.get("id") or "")[:1000],
                title=title or plain_text(link, 500),
                summary=plain_text(raw.get("summary"), 5000),
                content=content if len(content) >= FULL_CONTENT_MIN_CHARS else "",
                published_on=_entry_date(raw),
            )
        )
    if syntax_error is not None and not entries:
        # Broken XML that yields nothing usable is a broken feed, not an empty one.
        raise MalformedFeed(f"Not a readable feed: {syntax_error}")
    return ParsedFeed(plain_text(parsed.feed.get("title"), 200), entries, rejected)


def _entry_date(raw) -> datetime.date | None:
    for key in ("published_parsed", "updated_parsed"):
        value = raw.get(key)
        if value:
            try:
                return datetime.date(value.tm_year, value.tm_mon, value.tm_mday)
            except ValueError:
                continue
    return None


@dataclass
class ArticleText:
    title: str
    text: str
    published_on: datetime.date | None


def article_text(payload: str, content_type: str, url: str = "") -> ArticleText:
    """The readable body of a page (trafilatura), or the text itself for text/plain."""
    if content_type == "text/plain" or not re.search(
        r"<\s*(?:html|body|p|div|article)\b", payload, re.I
    ):
        lines = payload.strip().splitlines()
        title = plain_text(lines[0], 500) if lines else ""
        return ArticleText(title, plain_text(payload), None)
    import trafilatura

    text = trafilatura.extract(
        payload,
        url=url or None,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    metadata = trafilatura.extract_metadata(payload, default_url=url or None)
    title = plain_text(metadata.title if metadata else "", 500)
    published = None
    if metadata and metadata.date:
        try:
            published = datetime.date.fromisoformat(metadata.date[:10])
        except ValueError:
            published = None
    return ArticleText(title, plain_text(text or ""), published)
