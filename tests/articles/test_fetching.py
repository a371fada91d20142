"""Fetching and parsing: address checks, limits, conditional GET, safe plain text."""

import pytest

from articles.fetching import ARTICLE_TYPES, FEED_TYPES, FetchError, check_url, fetch, normalise_url
from articles.parsing import MalformedFeed, article_text, parse_feed, plain_text
from tests.articles.server import article_html, rss


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        (
            "HTTPS://News.Example.org:443/a/b?utm_source=x&id=3&fbclid=y#top",
            "https://news.example.org/a/b?id=3",
        ),
        ("http://example.org", "http://example.org/"),
        ("http://example.org:8080/x?b=2&a=1", "http://example.org:8080/x?a=1&b=2"),
    ],
)
def test_normalise_url(url, normalised):
    assert normalise_url(url) == normalised


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/feed", "gopher://x", "javascript:alert(1)"]
)
def test_only_http_and_https_are_fetched(url, settings):
    settings.ARTICLES_ALLOW_PRIVATE_ADDRESSES = True
    with pytest.raises(FetchError) as error:
        check_url(url)
    assert error.value.reason == "refused_address"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://localhost/feed",
        "http://10.0.0.5/feed",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
    ],
)
def test_private_and_loopback_addresses_are_refused(url, settings):
    settings.ARTICLES_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(FetchError) as error:
        check_url(url)
    assert error.value.reason == "refused_address"
    assert not error.value.retryable


def test_redirect_to_a_private_address_is_refused(server, settings):
    url = server.add("/go", status=302, headers={"Location": "http://10.1.2.3/secret"})
    settings.ARTICLES_ALLOW_PRIVATE_ADDRESSES = True
    # Allowed for the test server itself, but the check runs again for every hop.
    from unittest import mock

    real_check = check_url

    def check(target):
        if "10.1.2.3" in target:
            settings.ARTICLES_ALLOW_PRIVATE_ADDRESSES = False
        return real_check(target)

    with (
        mock.patch("articles.fetching.check_url", side_effect=check),
        pytest.raises(FetchError) as error,
    ):
        fetch(url, accept=ARTICLE_TYPES)
    assert error.value.reason == "refused_address"
    assert "10.1.2.3" in error.value.detail


def test_conditional_get_sends_etag_and_accepts_304(server):
    url = server.add("/feed", body=rss([]), content_type="application/rss+xml", etag='"v1"')
    first = fetch(url, accept=FEED_TYPES)
    assert (first.status, first.etag) == (200, '"v1"')
    second = fetch(url, accept=FEED_TYPES, etag='"v1"', last_modified="Thu, 25 Feb 2021")
    assert second.not_modified
    headers = server.requests[-1][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Thu, 25 Feb 2021"


def test_response_over_the_size_cap_is_refused_even_without_content_length(server, settings):
    settings.ARTICLES_MAX_RESPONSE_BYTES = 10_000
    declared = server.add("/big", body=b"x" * 20_000)
    streamed = server.add("/big-stream", body=b"y" * 20_000, hide_length=True)
    for url in (declared, streamed):
        with pytest.raises(FetchError) as error:
            fetch(url, accept=ARTICLE_TYPES)
        assert error.value.reason == "too_large"


def test_wrong_content_type_is_refused(server):
    url = server.add("/doc.pdf", body=b"%PDF-1.4", content_type="application/pdf")
    with pytest.raises(FetchError) as error:
        fetch(url, accept=ARTICLE_TYPES)
    assert error.value.reason == "not_html"
    assert not error.value.retryable


def test_timeout_and_server_errors_are_retryable(server, settings):
    settings.ARTICLES_HTTP_TIMEOUT_SECONDS = 0.3
    slow = server.add("/slow", body=b"late", delay=1.5)
    broken = server.add("/500", body=b"oops", status=500)
    missing = server.url("/missing")
    with pytest.raises(FetchError) as timeout:
        fetch(slow, accept=ARTICLE_TYPES)
    assert (timeout.value.reason, timeout.value.retryable) == ("timeout", True)
    with pytest.raises(FetchError) as error:
        fetch(broken, accept=ARTICLE_TYPES)
    assert (error.value.reason, error.value.http_status, error.value.retryable) == (
        "http_error",
        500,
        True,
    )
    with pytest.raises(FetchError) as not_found:
        fetch(missing, accept=ARTICLE_TYPES)
    assert (not_found.value.http_status, not_found.value.retryable) == (404, False)


@pytest.mark.parametrize(
    "title",
    [
        "<script>alert(1)</script>Acme fined $5 million",
        "&lt;script&gt;alert(1)&lt;/script&gt;Acme fined $5 million",
        "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Acme fined $5 million",
        '<img src=x onerror="alert(1)">Acme fined $5 million',
    ],
)
def test_plain_text_never_keeps_markup(title):
    text = plain_text(title)
    assert "<" not in text and ">" not in text
    assert text.endswith("Acme fined $5 million")
    assert "onerror" not in text


def test_plain_text_keeps_paragraphs_and_ampersands():
    assert plain_text("<p>H&amp;M was fined.</p><p>It will appeal.</p>") == (
        "H&M was fined.\nIt will appeal."
    )


def test_parse_feed_keeps_good_entries_and_reports_unusable_ones():
    payload = rss(
        [
            {"title": "Good <b>one</b>", "link": "https://news.example.org/a?utm_medium=rss"},
            {"title": "No link", "link": ""},
            {"title": "Bad scheme", "link": "javascript:alert(1)"},
        ]
    )
    parsed = parse_feed(payload)
    assert [(e.title, e.url) for e in parsed.entries] == [
        ("Good one", "https://news.example.org/a")
    ]
    assert len(parsed.rejected) == 2


@pytest.mark.parametrize(
    "payload",
    [
        b"this is not a feed <<<",
        b"",
        b"<html><p>hello</p></html>",
        b"<rss><channel><item><title>truncated",
    ],
)
def test_malformed_feed_raises(payload):
    with pytest.raises(MalformedFeed):
        parse_feed(payload)


def test_article_text_from_html_drops_navigation_and_reads_the_date():
    page = article_html(
        "Acme fined",
        [
            "Acme Corp was fined $5 million by the FTC on Monday for misleading customers "
            "about how it shared their location data with advertisers.",
            "The company said it would comply with the order and improve its disclosures.",
        ],
    ).decode()
    result = article_text(page, "text/html", "https://news.example.org/acme")
    assert "fined $5 million" in result.text
    assert "Home | World" not in result.text
    assert result.title == "Acme fined"
