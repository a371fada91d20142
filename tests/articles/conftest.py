import pytest

from tests.articles.server import LocalServer


@pytest.fixture
def server(settings):
    """A local HTTP server; private addresses are allowed for the duration of the test."""
    settings.ARTICLES_ALLOW_PRIVATE_ADDRESSES = True
    settings.ARTICLES_HTTP_TIMEOUT_SECONDS = 1.0
    with LocalServer() as local:
        yield local
