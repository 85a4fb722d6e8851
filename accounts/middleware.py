class PrivateCacheMiddleware:
    """Pages seen by a signed-in user may hold patient data: never let a cache keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store, private"
        return response


class IdleTimeoutMiddleware:
    """Sliding idle timeout without writing the session row on every request.

    The session cookie and row expire SESSION_COOKIE_AGE (the idle limit) after the last save;
    saving at most once a minute keeps the timeout within a minute of exact and spares a database
    write per request (SESSION_SAVE_EVERY_REQUEST would do one each time).
    """

    KEY = "_last_seen"
    RESAVE_AFTER_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= self.RESAVE_AFTER_SECONDS:
                session[self.KEY] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """Until a signed-in user gives their second factor (or, for administrators, sets one up),
    only the two-factor pages, signing out and static files answer. The state comes from the
    session (accounts.two_factor decides it at sign-in), so this costs no query."""

    OPEN_PATHS = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .two_factor import owed

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(self.OPEN_PATHS):
            state = owed(request)
            if state:
                return self._refuse(request, state)
        return self.get_response(request)

    def _refuse(self, request, state):
        from urllib.parse import quote

        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.translation import gettext as _

        if request.path.startswith("/api/"):
            from core.api import json_error

            return json_error("second_factor_required", _("Finish signing in with your second factor first."), 403)
        target = reverse("two-factor-verify" if state == "verify" else "two-factor-setup")
        return redirect(f"{target}?next={quote(request.get_full_path())}")
