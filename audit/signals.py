"""Sign-in, sign-out and failed sign-ins go to the audit trail as they happen."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import Action
from .services import audit_record


@receiver(user_logged_in, dispatch_uid="audit-login")
def _signed_in(sender, request, user, **kwargs):
    method = getattr(request, "login_method", "password") if request is not None else "password"
    audit_record(request=request, actor=user, action=Action.LOGIN, detail={"method": method})


@receiver(user_logged_out, dispatch_uid="audit-logout")
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(request=request, actor=user, action=Action.LOGOUT)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def _failed(sender, credentials, request=None, **kwargs):
    # Django passes the credentials with the password already masked; keep only the name typed.
    username = str(credentials.get("username", ""))[:150]
    audit_record(request=request, action=Action.LOGIN_FAILED, detail={"username": username})
