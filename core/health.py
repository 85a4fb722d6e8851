"""Health endpoints for load balancers: no login, no session, nothing but up or down.

- /healthz: the process answers (200 "ok"); it touches neither the database nor Redis.
- /readyz: the database answers a query (200, else 503); Redis is reported but does not fail it,
  because the app works without Redis (slower), and not without PostgreSQL.

They say nothing else: no version, no host, no error text.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .outage import is_outage


@login_not_required
@never_cache
@require_safe
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as exc:
        if not is_outage(exc):
            raise
        return False


def _redis_ok() -> bool:
    available = getattr(cache, "available", True)  # core.cache.DegradingRedisCache knows of an outage
    if not available:
        return False
    try:
        return bool(cache._cache.get_client(write=False).ping())
    except Exception:  # any failure to answer is "unavailable"; its text stays in no answer
        return False


@login_not_required
@never_cache
@require_safe
def readyz(request):
    database, redis = _database_ok(), _redis_ok()
    body = {"status": "ok" if database else "unavailable", "database": "ok" if database else "unavailable"}
    body["redis"] = "ok" if redis else "unavailable"
    return JsonResponse(body, status=200 if database else 503)
