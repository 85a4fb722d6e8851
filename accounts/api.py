from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError


class TokenApi(ObtainAuthToken):
    """POST username and password for an API token; locked out like the login page (django-axes)."""

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
                from .views import locked_out

                return locked_out(request._request, None)
            raise
