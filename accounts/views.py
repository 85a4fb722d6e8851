from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from .roles import Role

ROLE_HOMES = [
    (Role.REGISTRAR, "patients:list"),
    (Role.CLINICIAN, "scheduling:worklist"),
    (Role.ADMINISTRATOR, "admin:index"),
    (Role.PATIENT, "portal:home"),
]


def home(request):
    """Send each user to the page their role starts from."""
    for role, url_name in ROLE_HOMES:
        if request.user.has_role(role):
            return redirect(url_name)
    raise PermissionDenied


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        from clinic.api import json_not_found

        return json_not_found(request, exception)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    if request.path.startswith("/api/"):
        from clinic.api import json_permission_denied

        return json_permission_denied(request, exception)
    return render(request, "403.html", status=403)


def server_error(request):
    if request.path.startswith("/api/"):
        from clinic.api import json_server_error

        return json_server_error(request)
    return render(request, "500.html", status=500)
