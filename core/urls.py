"""``reverse()`` for one-parameter detail addresses: resolved once per name, not once per row.

A list page links every row to its record, its company and its authority: 150 ``reverse()``
calls of 40 to 85 µs each. ``detail_url`` reverses each name once with a placeholder and puts
the value in its place. That is the address ``reverse`` gives for the values taken this way:
ids below 10**18 and ASCII slugs of at most 200 characters (characters ``reverse`` never
quotes), for a name whose pattern accepts the placeholder and the extreme values of that
kind (``_PROBES``: the int and slug converters, and the API's ``[0-9]{1,18}`` and
``[-a-zA-Z0-9_]+``). Any other value or name goes through ``reverse`` itself.
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar

from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse

# Placeholders the int and slug converters accept, unlikely in any address around them.
_PLACEHOLDERS = {"int": "918273645546372819", "slug": "zq-placeholder-qz"}
_PROBES = {
    "int": ("0", "7", "9" * 18),
    "slug": ("-", "_", "A", "z", "0", "a" * 200, "Zz-9_x"),
}
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}\Z")
_MAX_ID = 10**18
# (view name, parameter, kind, resolver, script prefix) -> (before, after), or None: no fit.
_templates: dict[tuple, tuple[str, str] | None] = {}


# The URLconf's resolver and the script prefix, when urls_read_once() has read them.
_READ_ONCE: ContextVar[tuple | None] = ContextVar("casetrack_urls_read_once", default=None)


def _url_state() -> tuple:
    # The resolver object changes when the URLconf does (clear_url_caches, override_settings).
    return _READ_ONCE.get() or (get_resolver(get_urlconf()), get_script_prefix())


@contextmanager
def urls_read_once():
    """Within it, detail_url reads the URLconf and the script prefix once, not per address:
    they are context-local values (asgiref), ~40% of its cost; a table's rows write hundreds
    of addresses, and neither value changes while they are written."""
    token = _READ_ONCE.set((get_resolver(get_urlconf()), get_script_prefix()))
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def _template(viewname: str, name: str, kind: str) -> tuple[str, str] | None:
    key = (viewname, name, kind, *_url_state())
    try:
        return _templates[key]
    except KeyError:
        pass
    placeholder = _PLACEHOLDERS[kind]
    try:
        url = reverse(viewname, kwargs={name: placeholder})
        for probe in _PROBES[kind]:
            reverse(viewname, kwargs={name: probe})
    except NoReverseMatch:
        parts = None
    else:
        parts = tuple(url.split(placeholder)) if url.count(placeholder) == 1 else None
    _templates[key] = parts
    return parts


def value_kind(value) -> str | None:
    """ "int" or "slug" when ``detail_url`` may write the value into a template, else None."""
    if type(value) is int and 0 <= value < _MAX_ID:
        return "int"
    if type(value) is str and _PLAIN_SLUG.match(value):
        return "slug"
    return None


def detail_url(viewname: str, name: str, value) -> str:
    """``reverse(viewname, kwargs={name: value})``, without resolving the name every time."""
    kind = value_kind(value)
    if kind is None:
        return reverse(viewname, kwargs={name: value})
    parts = _template(viewname, name, kind)
    if parts is None:
        return reverse(viewname, kwargs={name: value})
    return f"{parts[0]}{value}{parts[1]}"


# Characters iri_to_uri() leaves as they are (and that reverse() writes).
_URI_PATH = re.compile(r"/(?!/)[-A-Za-z0-9._~!$&'()*+,;=/:@%]*\Z")
_ORIGIN = "_casetrack_origin"


def absolute_url(request, path: str) -> str:
    """``request.build_absolute_uri(path)``, with the scheme and host worked out once per
    request: the API writes a dozen absolute addresses per record."""
    if not _URI_PATH.match(path) or "/./" in path or "/../" in path:
        return request.build_absolute_uri(path)
    request = getattr(request, "_request", request)  # a DRF Request wraps the HttpRequest
    origin = request.__dict__.get(_ORIGIN)
    if origin is None:
        origin = request.__dict__[_ORIGIN] = request.build_absolute_uri("/")[:-1]
    return origin + path


def absolute_detail_parts(request, viewname: str, name: str, kind: str) -> tuple[str, str] | None:
    """The text before and after the value in ``absolute_url(request, detail_url(viewname,
    name, value))``, the same for every value of ``kind``; None when ``detail_url`` would
    not use its template. For a list that writes hundreds of addresses in one request.

    Values of either kind have no "." and no "/", so whether ``absolute_url`` may prefix
    the origin is decided by the template around them, tried here with one sample value.
    """
    parts = _template(viewname, name, kind)
    if parts is None:
        return None
    before, after = parts
    if request is None:
        return parts
    sample = f"{before}0{after}"
    if not _URI_PATH.match(sample) or "/./" in sample or "/../" in sample:
        return None
    address = absolute_url(request, sample)
    return address[: len(address) - len(sample)] + before, after
