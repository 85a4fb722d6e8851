"""A patient's pages in the patient's own language (Patient.preferred_language), unless they chose one.

Messages already go out in that language; the pages followed the browser's, so an English patient
on a Russian phone read Russian procedure names. At sign-in the language is kept in the session
(one query then, none per request); the middleware applies it while no language cookie says
otherwise (the language switcher sets one).
"""

from django.conf import settings
from django.utils import translation

from patients.models import Patient

SESSION_KEY = "patient_language"


def remember_language(sender, request, user, **kwargs) -> None:
    """On sign-in (django.contrib.auth's user_logged_in): keep the patient's language in the session."""
    language = Patient.objects.filter(user=user).values_list("preferred_language", flat=True).first()
    if language and request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = language


class PatientLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        language = session.get(SESSION_KEY) if session is not None else None
        if (
            language
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and translation.check_for_language(language)
        ):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
