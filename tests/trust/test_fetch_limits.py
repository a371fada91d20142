"""Fetching refuses what it must: bombs, endless or hostile redirects, odd encodings.

Complements tests/articles/test_fetching.py (schemes, private addresses, the plain size cap).
"""

import gzip
import tracemalloc
import zlib

import pytest

from articles.fetching import ARTICLE_TYPES, FetchError, fetch
from tests.articles.conftest import server  # noqa: F401

CAP = 200_000


def gzip_bomb(decoded_size: int) -> bytes:
    """A body of a few kilobytes that inflates to ``decoded_size`` bytes of zeros."""
    return gzip.compress(b"\0" * decoded_size, compresslevel=9)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_decompression_bomb_is_cut_off_at_the_cap_without_inflating_it(
    server,  # noqa: F811
    settings,
    encoding,
):
    settings.ARTICLES_MAX_RESPONSE_BYTES = CAP
    inflated = 150 * 1024 * 1024  # 150 MB of zeros from ~150 KB on the wire
    body = gzip_bomb(inflated) if encoding == "gzip" else zlib.compress(b"\0" * inflated, 9)
    assert len(body) < CAP  # what is sent is under the cap; what it expands to is not
    url = server.add("/bomb", body=body, headers={"Content-Encoding": encoding})
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as error:
            fetch(url, accept=ARTICLE_TYPES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.value.reason == "too_large"
    assert not error.value.retryable
    # Memory stays near the cap, never near the 150 MB the body claims to hold.
    assert peak < 10 * CAP + 2 * 1024 * 1024, peak


def test_a_compressed_page_under_the_cap_is_read_whole(server, settings):  # noqa: F811
    settings.ARTICLES_MAX_RESPONSE_BYTES = CAP
    page = b"<html><body><p>" + b"Acme paid $1 million. " * 5000 + b"</p></body></html>"
    assert len(page) < CAP
    url = server.add("/page", body=gzip.compress(page), headers={"Content-Encoding": "gzip"})
    assert fetch(url, accept=ARTICLE_TYPES).content == page


def test_a_corrupt_compressed_body_is_a_clear_failure(server):  # noqa: F811
    url = server.add("/broken", body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError) as error:
        fetch(url, accept=ARTICLE_TYPES)
    assert error.value.reason == "http_error"
    assert "compress" in error.value.detail


def test_an_encoding_we_did_not_ask_for_is_refused(server):  # noqa: F811
    url = server.add("/br", body=b"\x1b\x00", headers={"Content-Encoding": "br"})
    with pytest.raises(FetchError) as error:
        fetch(url, accept=ARTICLE_TYPES)
    assert error.value.reason == "not_html"
    assert server.requests[-1][1]["Accept-Encoding"] == "gzip, deflate"


def test_endless_redirects_stop_after_five_hops(server):  # noqa: F811
    loop = server.add("/a", status=302, headers={"Location": "/b"})
    server.add("/b", status=301, headers={"Location": "/a"})
    with pytest.raises(FetchError) as error:
        fetch(loop, accept=ARTICLE_TYPES)
    assert error.value.reason == "http_error"
    assert "redirects" in error.value.detail
    assert len(server.requests) == 6  # the first request and five followed redirects


@pytest.mark.parametrize(
    "target",
    ["file:///etc/passwd", "ftp://example.org/x", "gopher://127.0.0.1:6379/_FLUSHALL"],
)
def test_a_redirect_to_another_scheme_is_refused(server, target):  # noqa: F811
    url = server.add("/go", status=302, headers={"Location": target})
    with pytest.raises(FetchError) as error:
        fetch(url, accept=ARTICLE_TYPES)
    assert error.value.reason == "refused_address"


@pytest.mark.parametrize(
    "target",
    ["http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/"],
)
def test_a_redirect_to_loopback_or_link_local_is_refused_in_production(
    server,  # noqa: F811
    settings,
    target,
):
    """The test server itself is on loopback, so it is reached through a patched check that
    allows exactly its own address, and nothing else private."""
    from unittest import mock

    from articles import fetching

    real_check = fetching.check_url
    first = server.add("/go", status=302, headers={"Location": target})

    def check(url):
        settings.ARTICLES_ALLOW_PRIVATE_ADDRESSES = url == first
        return real_check(url)

    with (
        mock.patch.object(fetching, "check_url", side_effect=check),
        pytest.raises(FetchError) as error,
    ):
        fetch(first, accept=ARTICLE_TYPES)
    assert error.value.reason == "refused_address"
    assert len(server.requests) == 1  # the private address was never requested
