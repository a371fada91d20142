import pytest
from django.db import OperationalError
from django.test import Client

from core import errors


@pytest.fixture
def database_down(monkeypatch):
    """Every query fails as it does when PostgreSQL is stopped."""
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)


@pytest.fixture
def logged_in_client(superuser):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    return client


@pytest.mark.django_db
def test_a_page_answers_503_with_a_clear_message_while_the_database_is_down(
    logged_in_client, database_down
):
    response = logged_in_client.get("/admin/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    assert "briefly unavailable" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_other_errors_stay_500(rf):
    try:
        raise ValueError("boom")
    except ValueError:
        response = errors.server_error(rf.get("/"))
    assert response.status_code == 500
    assert "boom" not in response.content.decode()


def test_database_errors_raised_outside_views_get_the_503_page(rf):
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = errors.server_error(rf.get("/"))
    assert response.status_code == 503
