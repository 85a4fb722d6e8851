"""The request being served, for audit events written where no request is passed (model signals)."""

import contextvars

_request = contextvars.ContextVar("audit_request", default=None)


def current_request():
    """The request this thread or task is serving, or None (a shell, a worker, a migration)."""
    return _request.get()


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
