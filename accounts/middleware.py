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
