from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

# Staff usernames have up to 150 characters; patients sign in with a phone or an email (up to 254).
USERNAME_MAX_LENGTH = 254


class LoginForm(AuthenticationForm):
    """Django's login form limits the username's length in the browser only, so a longer one
    reached authenticate() and django-axes failed to store the attempt (500). It is refused here
    as a field error, before anything is authenticated, so it is not counted as a failure either."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.max_length = USERNAME_MAX_LENGTH
        field.widget.attrs["maxlength"] = USERNAME_MAX_LENGTH
        field.validators.append(MaxLengthValidator(USERNAME_MAX_LENGTH))
