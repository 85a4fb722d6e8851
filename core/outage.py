"""A polite 503 when PostgreSQL (or a counter in Redis) cannot be reached, never a 500.

During a database restart every query fails for a few seconds. Those requests get the app's 503
page (HTML), or `{"error": {"code": "unavailable", ...}}` under /api/, with Retry-After, and one
warning in the log instead of a traceback. The next request after the database is back reconnects
by itself (CONN_HEALTH_CHECKS). Two doors lead here: OutageMiddleware for errors raised by a view,
and `outage_response` called by the 500 handler for errors raised in middleware (the session or
the user is read before any view runs). The page is rendered without the request's context
processors, which would read the database again.
"""

from __future__ import annotations

import logging
import sys

import psycopg2
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .cache import CacheUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
OUTAGES = (OperationalError, InterfaceError, CacheUnavailable)


def is_outage(exc: BaseException | None) -> bool:
    """A database that cannot be reached or went away (OperationalError, InterfaceError), or a counter
    Redis cannot give. psycopg2's own errors count too: some are raised outside Django's wrapper."""
    if isinstance(exc, OUTAGES):
        return True
    return isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError))


def unavailable(request, exc: BaseException) -> HttpResponse:
    """The 503 answer for `request`: JSON under /api/, the app's page elsewhere."""
    log.warning("%s %s answered 503: %s: %s", request.method, request.path, type(exc).__name__, str(exc).strip()[:200])
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": "unavailable", "message": message}}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # logged above, once, without a traceback
    return response


def outage_response(request) -> HttpResponse | None:
    """For the 500 handler: the 503 answer when the error being handled is an outage, else None."""
    exc = sys.exc_info()[1]
    return unavailable(request, exc) if is_outage(exc) else None


class OutageMiddleware:
    """Turn an outage raised by a view (DRF's views included: their handler leaves it to us) into a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable(request, exception) if is_outage(exception) else None
