"""Fixtures shared by the whole suite: the seed records and users of each role."""

import os

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from hypothesis import settings as hypothesis_settings

from cases.seed import load_seed

# In CI the fuzzers replay the same examples every run, so that a landing never depends on
# luck; locally they draw new ones (and a failure found there becomes a fixed test).
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def pytest_runtest_setup(item):
    """Skip ``postgres_only`` tests on SQLite; in CI (PostgreSQL) nothing may skip."""
    if item.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the suite on PostgreSQL (set DATABASE_URL)")
        pytest.skip("needs PostgreSQL")


@pytest.fixture(scope="session", autouse=True)
def reader_connections_closed(django_db_setup, django_db_blocker):
    """core.parallel's reader thread keeps its own connection (live-server and transaction
    tests read through it): closed before the test database is dropped."""
    yield
    from core import parallel

    with django_db_blocker.unblock():
        parallel.stop()


@pytest.fixture
def seed(db):
    """The seed records (TikTok, ByteDance, Musical.ly, the $92M settlement, the FTC penalty)."""
    load_seed()


@pytest.fixture
def editor(db) -> User:
    user = User.objects.create_user(
        "editor", "editor@example.org", "editor-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root", "root@example.org", "root-password-1")


@pytest.fixture
def visitor(db) -> User:
    """Logged in, but neither staff nor editor."""
    return User.objects.create_user("visitor", "visitor@example.org", "visitor-password-1")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client
