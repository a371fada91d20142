import pytest
from django.db import connection


def pytest_runtest_setup(item):
    """Skip ``postgres_only`` tests on SQLite; on PostgreSQL they always run."""
    if item.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (full-text search, trigram similarity)")
