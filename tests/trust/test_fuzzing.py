"""The feed parser, the page reader and the extractor under fuzzing: random bytes, and the
demo feed and articles mutated. Each either answers or raises its own documented error;
none crashes with another exception, hangs, or grows memory far past its input.

The time bound here (hypothesis' deadline) is a hang guard, many times what a normal call
takes, not a speed target.
"""

import datetime
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.extraction import Extraction, extract
from articles.parsing import MalformedFeed, ParsedFeed, article_text, parse_feed

DEMO = Path(__file__).resolve().parents[2] / "articles" / "demo"
FEED = (DEMO / "feed.xml").read_bytes()
ARTICLES = sorted((DEMO / "articles").glob("*.txt"))
ARTICLE_TEXTS = [path.read_text() for path in ARTICLES]

FUZZ = settings(
    max_examples=40,
    deadline=datetime.timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

HOSTILE_SNIPPETS = [
    b"<![CDATA[", b"]]>", b"<!--", b"-->", b"&amp;", b"&#0;", b"&#xD800;", b"\x00", b"\xff\xfe",
    b"<script>alert(1)</script>", b"<item>", b"</item>", b"<link>javascript:alert(1)</link>",
    b"<link>file:///etc/passwd</link>", b"<pubDate>Tue, 99 Foo 99999</pubDate>",
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', b"&e;", b"$" * 50,
    "\u202e".encode(), "💸".encode(), b"\r\n" * 20,
]  # fmt: skip


@st.composite
def mutated(draw, original: bytes, snippets=HOSTILE_SNIPPETS) -> bytes:
    """``original`` with a few cuts, byte flips, duplications and hostile insertions."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "flip", "insert", "repeat", "truncate"]))
        if action == "cut":
            del data[position : position + draw(st.integers(1, 200))]
        elif action == "flip" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.sampled_from(snippets))
        elif action == "repeat":
            piece = bytes(data[position : position + draw(st.integers(1, 300))])
            data[position:position] = piece * draw(st.integers(1, 20))
        elif action == "truncate":
            del data[position:]
    return bytes(data)


def parse_or_refuse(payload) -> None:
    try:
        parsed = parse_feed(payload, base_url="https://demo.casetrack.invalid/feed.xml")
    except MalformedFeed as error:
        assert str(error).startswith("Not a readable feed")
        return
    assert isinstance(parsed, ParsedFeed)
    for entry in parsed.entries:
        assert entry.url.startswith(("http://", "https://")), entry.url
        assert "<" not in entry.title or "&lt;" not in entry.title


@FUZZ
@given(st.binary(max_size=5000))
def test_random_bytes_are_a_feed_or_a_malformed_feed(payload):
    parse_or_refuse(payload)


@FUZZ
@given(mutated(FEED))
def test_a_mutated_feed_is_parsed_or_refused(payload):
    parse_or_refuse(payload)


@pytest.mark.parametrize("reference", [b"&#xD800;", b"&#55296;", b"&#xdfff;", b"&#x0000DC00;"])
@pytest.mark.parametrize("element", [b"<title>", b"<link>", b"<description>"])
def test_a_reference_to_a_lone_surrogate_is_replaced_not_a_crash(reference, element):
    """Found by the fuzzer: feedparser raised UnicodeEncodeError re-encoding U+D800."""
    at = FEED.index(element, FEED.index(b"<item>")) + len(element)
    parsed = parse_feed(FEED[:at] + reference + FEED[at:])
    # Nothing lost: every item is an entry or a rejection with its reason.
    assert len(parsed.entries) + len(parsed.rejected) == FEED.count(b"<item>")
    texts = [e.title + e.url + e.summary for e in parsed.entries] + parsed.rejected
    assert not any(0xD800 <= ord(c) <= 0xDFFF for text in texts for c in text)
    assert any("\ufffd" in text for text in texts)


def test_entity_expansion_does_not_blow_up_the_parser():
    """A 'billion laughs' feed: refused or parsed flat, without gigabytes of expansion."""
    levels = "".join(
        f'<!ENTITY l{i} "{"&l" + str(i - 1) + ";" if i else "ha"}'
        + f'{("&l" + str(i - 1) + ";") * 9 if i else ""}">'
        for i in range(10)
    )
    payload = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{levels}]><rss version="2.0"><channel>'
        "<title>&l9;</title><item><title>&l9;</title><link>https://x.example/a</link></item>"
        "</channel></rss>"
    ).encode()
    tracemalloc.start()
    try:
        parse_or_refuse(payload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, peak


@FUZZ
@given(mutated(FEED[FEED.index(b"<p>") : FEED.index(b"]]>")], snippets=HOSTILE_SNIPPETS))
def test_the_page_reader_takes_any_html(fragment):
    html = (
        b"<html><head><title>T</title></head><body><article>"
        + fragment
        + b"</article></body></html>"
    )
    result = article_text(html.decode("utf-8", errors="replace"), "text/html", "https://x.example/")
    assert isinstance(result.text, str)
    assert "<script" not in result.text.lower() or "alert(1)" not in result.text


@FUZZ
@given(st.text(max_size=3000), st.text(max_size=200))
def test_the_extractor_takes_any_text(text, title):
    result = extract(text, title=title, published=datetime.date(2024, 1, 1))
    assert isinstance(result, Extraction)


MONEY_WORDS = [
    "$", "€", "£", "USD", "1", "0", "5", ".", ",", "million", "billion", "m", "bn", "fine",
    "penalty", "settle", "agreed to pay", "class action", "FTC", "Inc.", "Acme", "\n\n", " ",
    "(", ")", "-", "%", "in 2019", "on 3 March 2021", "per cent", "up to", "at least",
]  # fmt: skip


@FUZZ
@given(st.lists(st.sampled_from(MONEY_WORDS), max_size=800).map(" ".join))
def test_the_extractor_takes_dense_money_talk(text):
    """Long runs of amounts, currencies and verbs: where regular expressions backtrack."""
    assert isinstance(extract(text, published=datetime.date(2024, 1, 1)), Extraction)


@FUZZ
@given(st.sampled_from(range(len(ARTICLES))).flatmap(lambda i: mutated(ARTICLE_TEXTS[i].encode())))
def test_the_extractor_takes_mutated_real_articles(payload):
    text = payload.decode("utf-8", errors="replace")
    assert isinstance(extract(text, published=datetime.date(2024, 1, 1)), Extraction)


@pytest.mark.timeout(60)  # found quadratic: a long word (regex), repeated amounts (paragraphs)
@pytest.mark.parametrize(
    "text",
    [
        "$" + "1" * 60_000,
        "$1," + "000," * 10_000 + "000",
        ("Acme Inc. agreed to pay $5 million. " * 500),
        "a" * 60_000,
        "Acme " * 15_000 + "paid",
        "(" * 30_000 + "$1 million" + ")" * 30_000,
    ],
    ids=["long-number", "long-grouping", "repeated-sentence", "one-word", "names", "parens"],
)
def test_the_extractor_stays_bounded_on_huge_pathological_text(text):
    tracemalloc.start()
    try:
        result = extract(text, published=datetime.date(2024, 1, 1))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result, Extraction)
    assert peak < 200 * len(text) + 64 * 1024 * 1024, peak
