"""Each role against each API endpoint. Built from the URL configuration: a new endpoint without a
line here fails the last test. Allowed callers sending an empty body get 400 (the request got past
the permission check); others 403; anonymous callers 401; public endpoints answer everyone alike."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from .test_access import ROLES, records, users  # noqa: F401  (fixtures)

OK, BAD, DENIED, ANON = 200, 400, 403, 401

# name -> (method, argument, expected for administrator, registrar, clinician, patient, anonymous)
API_MATRIX = {
    "api-token": ("post", None, (BAD, BAD, BAD, BAD, BAD)),  # public: the password is the check
    "api-schema": ("get", None, (OK, OK, OK, DENIED, ANON)),  # staff only: README, API
    "api-docs": ("get", None, (OK, OK, OK, DENIED, ANON)),
    "api-patients": ("get", None, (DENIED, OK, OK, DENIED, ANON)),
    "api-patient": ("get", "patient", (DENIED, OK, OK, DENIED, ANON)),
    "api-procedures": ("get", None, (OK, OK, OK, DENIED, ANON)),
    "api-screenings": ("post", "patient", (DENIED, DENIED, BAD, DENIED, ANON)),
    "api-ice-tests": ("post", "patient", (DENIED, DENIED, BAD, DENIED, ANON)),
    "api-eligibility": ("get", "patient", (DENIED, BAD, BAD, DENIED, ANON)),
    "api-course-preview": ("post", None, (DENIED, BAD, DENIED, DENIED, ANON)),
    "api-courses": ("post", None, (DENIED, BAD, DENIED, DENIED, ANON)),
    "api-course": ("get", "course", (DENIED, OK, OK, DENIED, ANON)),
    "api-course-consent-link": ("post", "course", (DENIED, BAD, BAD, DENIED, ANON)),
    "api-session-move": ("post", "session", (DENIED, BAD, DENIED, DENIED, ANON)),
    "api-session-cancel": ("post", "session", (DENIED, BAD, DENIED, DENIED, ANON)),
    "api-calendar": ("get", None, (DENIED, BAD, BAD, DENIED, ANON)),
    "api-warning-reports": ("get", None, (DENIED, DENIED, OK, DENIED, ANON)),
    "api-dewars": ("get", None, (OK, OK, OK, DENIED, ANON)),
    "api-dewar-readings": ("post", "dewar", (BAD, BAD, BAD, DENIED, ANON)),
    "api-warning-report": ("get", "report", (DENIED, DENIED, OK, DENIED, ANON)),
    "api-waitlist": ("post", None, (DENIED, BAD, DENIED, DENIED, ANON)),
    "api-waitlist-withdraw": ("post", "waitlist-entry", (DENIED, OK, DENIED, DENIED, ANON)),
    "api-booking-requests": ("post", None, (BAD, BAD, BAD, BAD, BAD)),  # the public website form
    "api-me-sessions": ("get", None, (DENIED, DENIED, DENIED, OK, ANON)),
    "api-me-courses": ("get", None, (DENIED, DENIED, DENIED, OK, ANON)),
    "api-me-session-confirm": ("post", "session", (DENIED, DENIED, DENIED, OK, ANON)),
    "api-me-session-cancel": ("post", "session", (DENIED, DENIED, DENIED, OK, ANON)),
    "api-report": ("get", "report-name", (OK, OK, DENIED, DENIED, ANON)),  # the current month by default
    # money: registrars only (clinicians see nothing financial); a patient her own course's balance
    "api-course-balance": ("get", "course", (DENIED, OK, DENIED, DENIED, ANON)),
    "api-course-payments": ("post", "course", (DENIED, BAD, DENIED, DENIED, ANON)),
    "api-course-refunds": ("post", "course", (DENIED, BAD, DENIED, DENIED, ANON)),
    "api-me-course-balance": ("get", "course", (DENIED, DENIED, DENIED, OK, ANON)),
    # results: a course's before and after for clinicians; the patient's own
    "api-course-results-comparison": ("get", "course", (DENIED, DENIED, OK, DENIED, ANON)),
    "api-me-results": ("get", None, (DENIED, DENIED, DENIED, OK, ANON)),
    # results: clinicians only (other locations and patients: tests/results/test_api.py)
    "api-course-checks": ("get", "course", (DENIED, DENIED, OK, DENIED, ANON)),
    "api-check": ("get", "result-check", (DENIED, DENIED, OK, DENIED, ANON)),
    "api-check-trichoscopy": ("post", "result-check", (DENIED, DENIED, BAD, DENIED, ANON)),
    "api-check-amend": ("post", "result-check", (DENIED, DENIED, BAD, DENIED, ANON)),
    "api-check-photos": ("post", "result-check", (DENIED, DENIED, 415, DENIED, ANON)),  # multipart only
    "api-photo-withdraw": ("post", "photo", (DENIED, DENIED, BAD, DENIED, ANON)),
    "api-check-withdraw": ("post", "result-check", (DENIED, DENIED, BAD, DENIED, ANON)),
    # reviews: the approved ones in public (?procedure= or ?clinician= needed); a patient reviews her own course
    "api-reviews": ("get", None, (BAD, BAD, BAD, BAD, BAD)),
    "api-me-course-review": ("post", "course", (DENIED, DENIED, DENIED, BAD, ANON)),
}


def _client(user):
    from ..conftest import login

    if user is None:
        return APIClient()
    client = login(user)  # a real sign-in (and second factor), then its session cookie on an API client
    api = APIClient()
    api.cookies = client.cookies
    return api


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(API_MATRIX))
def test_each_role_gets_the_expected_answer_from_each_endpoint(name, users, records):  # noqa: F811
    from django.core.cache import cache

    cache.clear()  # the public endpoints' rate limits
    method, argument, expected = API_MATRIX[name]
    url = reverse(name, args=[records[argument]] if argument else [])
    for role, status in zip(ROLES, expected, strict=True):
        response = getattr(_client(users[role]), method)(url, {}, format="json")
        assert response.status_code == status, f"{role} {method.upper()} {url}: {response.status_code}, not {status}"
        if status in (DENIED, ANON, BAD) and response["Content-Type"].startswith("application/json"):
            assert "code" in response.json()["error"] or name in ("api-token",)


def _api_names(patterns, inside_api=False):
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_names(pattern.url_patterns, inside_api or str(pattern.pattern).startswith("api/"))
        elif isinstance(pattern, URLPattern) and inside_api:
            yield pattern.name


def test_every_api_endpoint_is_in_the_matrix():
    from django.urls import get_resolver

    endpoints = set(_api_names(get_resolver().url_patterns))
    assert endpoints - set(API_MATRIX) == set(), "add these endpoints to API_MATRIX"
    assert set(API_MATRIX) - endpoints == set(), "these are no longer endpoints"
