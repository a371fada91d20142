"""A clear 503 page while the database is unreachable, instead of a stack trace or a 500.

The page is rendered without a request context: context processors (the user, the
session) would themselves need the database that is down.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30

logger = logging.getLogger(__name__)


def database_unavailable_response() -> HttpResponse:
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 when a view fails because the database cannot be reached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.error("database unavailable: %s", exception)
            return database_unavailable_response()
        return None


def server_error(request):
    """handler500: database outages in middleware (sessions, auth) also get the 503 page."""
    _, exception, _ = sys.exc_info()
    if isinstance(exception, DATABASE_ERRORS):
        return database_unavailable_response()
    return HttpResponseServerError(render_to_string("500.html"))
