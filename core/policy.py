"""Who may do what. Pages, the API and the admin all ask this module; nothing else decides.

Deny by default: an action that is not listed here is allowed to nobody.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .roles import Role

ADMIN, REGISTRAR, CLINICIAN, PATIENT = Role.ADMINISTRATOR, Role.REGISTRAR, Role.CLINICIAN, Role.PATIENT

RULES: dict[str, frozenset[str]] = {
    # identity and contact details of patients
    "patient.view": frozenset({REGISTRAR, CLINICIAN}),
    "patient.register": frozenset({REGISTRAR, CLINICIAN}),
    "patient.edit": frozenset({REGISTRAR, CLINICIAN}),
    # a patient's rights over their data: export everything, anonymise on request
    "patient.data_protection": frozenset({ADMIN}),
    # outcome of screenings and eligibility with reasons (no clinical answers)
    "eligibility.view": frozenset({REGISTRAR, CLINICIAN}),
    # the clinical answers of screenings and ice tests: clinicians only
    "clinical.view": frozenset({CLINICIAN}),
    "clinical.record": frozenset({CLINICIAN}),
    # consents: their status and forms; in the clinic a clinician witnesses the signing
    "consent.view": frozenset({REGISTRAR, CLINICIAN}),
    "consent.send": frozenset({REGISTRAR, CLINICIAN}),
    "consent.witness": frozenset({CLINICIAN}),
    # a signed form's evidence (address, browser, hashes of the text, the drawn signature and the
    # code) and its PDF, which carries them: not the front desk, who need only the state and the text
    "consent.evidence": frozenset({ADMIN, CLINICIAN}),
    # catalogues, rooms, staff: administrators
    "catalogue.view": frozenset({ADMIN, REGISTRAR, CLINICIAN}),
    "catalogue.edit": frozenset({ADMIN}),
    "admin.site": frozenset({ADMIN}),
    # courses and sessions
    "booking.view": frozenset({REGISTRAR, CLINICIAN}),
    "booking.manage": frozenset({REGISTRAR}),
    "session.record": frozenset({CLINICIAN}),
    "calendar.view": frozenset({REGISTRAR, CLINICIAN}),
    "requests.handle": frozenset({REGISTRAR}),
    # the waiting list: the front desk sees every entry at its locations and each offer made
    "waitlist.manage": frozenset({REGISTRAR}),
    # liquid nitrogen: everyone on the staff sees the forecast and records a refill or a weighing
    "nitrogen.view": frozenset({ADMIN, REGISTRAR, CLINICIAN}),
    "nitrogen.record": frozenset({ADMIN, REGISTRAR, CLINICIAN}),
    # the clinic's figures (aggregates, no patient named): administrators everywhere, registrars at theirs
    "reports.view": frozenset({ADMIN, REGISTRAR}),
    # money: the front desk takes payments and makes refunds; clinicians see nothing financial
    "billing.view": frozenset({REGISTRAR}),
    "billing.manage": frozenset({REGISTRAR}),
    "billing.day": frozenset({ADMIN, REGISTRAR}),  # the cashier's day of a location they work at (admins: all)
    # results of a course (trichoscopy figures, standard photos): medical data, clinicians only;
    # the clinician also marks which photos may be published (no face)
    "results.view": frozenset({CLINICIAN}),
    "results.record": frozenset({CLINICIAN}),
    # patients' reviews: administrators approve or reject them before they appear in public
    "review.moderate": frozenset({ADMIN}),
    # the patient's own portal
    "portal.use": frozenset({PATIENT}),
    # the API: its schema and docs are for the staff who integrate; everyone keeps their own tokens
    "api.schema": frozenset({ADMIN, REGISTRAR, CLINICIAN}),
    "api_token.own": frozenset({ADMIN, REGISTRAR, CLINICIAN, PATIENT}),
    "api_token.revoke_any": frozenset({ADMIN}),
}


def allowed(user, action: str) -> bool:
    roles = RULES.get(action)
    if roles is None or not getattr(user, "is_authenticated", False):
        return False
    return user.has_role(*roles)


def require(user, action: str) -> None:
    if not allowed(user, action):
        raise PermissionDenied


def permission_required(action: str):
    """Decorator for function views: 403 unless the user may do `action`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require(request.user, action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def api_permission(*actions: str, safe: str | None = None) -> type[BasePermission]:
    """A DRF permission class: all `actions` are needed; `safe` alone suffices for GET/HEAD."""

    class _Permission(BasePermission):
        def has_permission(self, request, view):
            if safe is not None and request.method in ("GET", "HEAD", "OPTIONS"):
                return allowed(request.user, safe)
            return all(allowed(request.user, action) for action in actions)

    _Permission.__name__ = f"Allowed_{'_'.join(a.replace('.', '_') for a in actions)}"
    return _Permission


ApiSchemaPermission = api_permission("api.schema")
