"""HTTP for feeds and articles: only public http(s) addresses, bounded in time and size.

Every response from outside is hostile until shown otherwise: the scheme and every resolved
address are checked (again after each redirect), the body is streamed and cut off at the
size cap, the content type must be one we read, and the whole exchange has a deadline.
"""

import functools
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx
from django.conf import settings

USER_AGENT = "CasetrackBot/1.0 (+https://github.com/casetrack; enforcement news reader)"
MAX_REDIRECTS = 5
# Bodies are inflated by us, a bounded piece at a time: a small compressed "bomb" never
# expands past the size cap in memory. Only the encodings we ask for are accepted.
ACCEPT_ENCODING = "gzip, deflate"
DECODED_PIECE_BYTES = 64 * 1024

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "application/feed+json",
    "text/plain",
    "text/html",  # many servers label feeds wrongly; the parser decides
)
ARTICLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")

TRACKING_PARAMETERS = {
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref_src", "cmpid",
    "ocid", "spm", "_ga", "yclid", "twclid",
}  # fmt: skip


class FetchError(Exception):
    """A request that did not give a usable body; ``reason`` says which kind of failure."""

    def __init__(self, reason: str, detail: str, *, retryable: bool = False, status=None):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.retryable = retryable
        self.http_status = status


@dataclass
class FetchResult:
    url: str
    status: int
    content: bytes
    content_type: str
    charset: str | None
    etag: str
    last_modified: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        try:
            return self.content.decode(self.charset or "utf-8")
        except (LookupError, UnicodeDecodeError):
            return self.content.decode("utf-8", errors="replace")


def normalise_url(url: str) -> str:
    """One spelling per article: lower-case host, no fragment, default port or trackers."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port in (None, 80 if scheme == "http" else 443) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith("utm_") and key.lower() not in TRACKING_PARAMETERS
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def check_url(url: str) -> None:
    """Refuse anything but http(s) to a public address (unless settings allow private ones)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("refused_address", f"Only http and https addresses are read, not {url!r}.")
    host = parts.hostname
    if not host:
        raise FetchError("refused_address", f"The address {url!r} has no host.")
    if settings.ARTICLES_ALLOW_PRIVATE_ADDRESSES:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(
            "network_error", f"Cannot resolve {host}: {error}", retryable=True
        ) from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                "refused_address",
                f"{host} resolves to {address}, a private or reserved address; refused.",
            )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verifying context, built once per process: loading the certificate
    authorities costs ~0.2 s, which every article fetch used to pay."""
    return httpx.create_ssl_context()


def fetch(
    url: str,
    *,
    accept: tuple[str, ...],
    etag: str = "",
    last_modified: str = "",
    max_bytes: int | None = None,
    client: httpx.Client | None = None,
) -> FetchResult:
    """GET a URL with the checks above; 304 is a result, every other failure a FetchError."""
    max_bytes = max_bytes or settings.ARTICLES_MAX_RESPONSE_BYTES
    timeout = settings.ARTICLES_HTTP_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout * 3
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": ", ".join(accept) + ", */*;q=0.1",
        "Accept-Encoding": ACCEPT_ENCODING,
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    owned = client is None
    client = client or httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10)),
        follow_redirects=False,
        verify=_tls_context(),
    )
    try:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url)
            result = _get_once(client, url, headers, accept, max_bytes, deadline)
            if isinstance(result, FetchResult):
                return result
            url = result  # a redirect: check the new address before following it
        raise FetchError("http_error", f"More than {MAX_REDIRECTS} redirects from {url}.")
    except httpx.TimeoutException as error:
        raise FetchError("timeout", f"Timed out reading {url}.", retryable=True) from error
    except httpx.HTTPError as error:
        raise FetchError(
            "network_error", f"Could not read {url}: {error}", retryable=True
        ) from error
    finally:
        if owned:
            client.close()


def _get_once(client, url, headers, accept, max_bytes, deadline) -> FetchResult | str:
    with client.stream("GET", url, headers=headers) as response:
        if response.is_redirect and response.headers.get("location"):
            return urljoin(url, response.headers["location"])
        status = response.status_code
        if status == 304:
            return FetchResult(url, 304, b"", "", None, etag="", last_modified="")
        if status >= 400:
            raise FetchError(
                "http_error",
                f"{url} answered HTTP {status}.",
                retryable=status >= 500 or status == 429,
                status=status,
            )
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type and content_type not in accept:
            raise FetchError(
                "not_html", f"{url} is {content_type}, not a type we read.", status=status
            )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(
                "too_large",
                f"{url} is {int(declared):,} bytes, over the {max_bytes:,}-byte limit.",
                status=status,
            )
        chunks, size = [], 0
        for chunk in _decoded_pieces(response, url):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(
                    "too_large",
                    f"{url} sent more than {max_bytes:,} bytes; cut off.",
                    status=status,
                )
            if time.monotonic() > deadline:
                raise FetchError("timeout", f"{url} took too long to send.", retryable=True)
            chunks.append(chunk)
        return FetchResult(
            url=str(response.url),
            status=status,
            content=b"".join(chunks),
            content_type=content_type,
            charset=response.charset_encoding,
            etag=response.headers.get("etag", ""),
            last_modified=response.headers.get("last-modified", ""),
        )


def _decoded_pieces(response: httpx.Response, url: str) -> Iterator[bytes]:
    """The body, decompressed here in pieces of at most DECODED_PIECE_BYTES.

    httpx's own decoding inflates each network chunk whole, so 64 KB of zeros compressed
    could become 64 MB at once; reading raw and inflating with a bounded output keeps
    memory near the size cap whatever the compression ratio.
    """
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        yield from response.iter_raw()
        return
    if encoding in ("gzip", "x-gzip"):
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decompressor = zlib.decompressobj()
    else:
        raise FetchError(
            "not_html",
            f"{url} is encoded as {encoding!r}, which we did not ask for ({ACCEPT_ENCODING}).",
            status=response.status_code,
        )
    try:
        for raw in response.iter_raw():
            pending = raw
            while pending:
                piece = decompressor.decompress(pending, DECODED_PIECE_BYTES)
                pending = decompressor.unconsumed_tail
                if piece:
                    yield piece
        yield decompressor.flush()
    except zlib.error as error:
        raise FetchError(
            "http_error",
            f"{url} sent a {encoding} body we could not decompress: {error}.",
            status=response.status_code,
        ) from error
