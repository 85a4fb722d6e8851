"""Refuse a NUL character in any query parameter or form value, before any view reads it.

PostgreSQL text cannot hold NUL: a view that passes one to a query (a search box) raised a 500.
Django's form fields already refuse it, but views read some parameters raw; one check here
covers them all, with a 400 that says why (JSON under /api/, a page elsewhere).
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _has_nul(query_dict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query_dict.lists())


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            message = _("The request contains a NUL character, which no field accepts.")
            if request.path.startswith("/api/"):
                return JsonResponse({"error": {"code": "null_character", "message": message}}, status=400)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)
