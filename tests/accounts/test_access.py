"""Each role against each page: allowed, 403, or a redirect to the login page."""

import pytest
from django.urls import reverse

from procedures.services import ice_test_record, screening_sign

from ..conftest import login

OK, DENIED, LOGIN = 200, 403, 302
REDIRECT = 302  # to the role's start page (test_each_demo_role_lands_on_its_home_page)
ROLES = ["administrator", "registrar", "clinician", "patient", "anonymous"]

# page -> expected status for administrator, registrar, clinician, patient, anonymous
MATRIX = {
    "home": (REDIRECT, REDIRECT, REDIRECT, REDIRECT, LOGIN),
    "patients:list": (DENIED, OK, OK, DENIED, LOGIN),
    "patients:create": (DENIED, OK, OK, DENIED, LOGIN),
    "patient-detail": (DENIED, OK, OK, DENIED, LOGIN),
    "patients:edit": (DENIED, OK, OK, DENIED, LOGIN),
    "procedures:catalogue": (OK, OK, OK, DENIED, LOGIN),
    "procedures:screening-create": (DENIED, DENIED, OK, DENIED, LOGIN),
    "procedures:screening": (DENIED, DENIED, OK, DENIED, LOGIN),
    "procedures:screening-amend": (DENIED, DENIED, OK, DENIED, LOGIN),
    "procedures:ice-test-create": (DENIED, DENIED, OK, DENIED, LOGIN),
    "procedures:ice-test": (DENIED, DENIED, OK, DENIED, LOGIN),
    "procedures:ice-test-amend": (DENIED, DENIED, OK, DENIED, LOGIN),
    "portal:home": (DENIED, DENIED, DENIED, OK, LOGIN),
    "admin:index": (OK, DENIED, DENIED, DENIED, LOGIN),
    "password_change": (OK, OK, OK, OK, LOGIN),
    "login": (LOGIN, LOGIN, LOGIN, LOGIN, OK),  # signed-in users are sent on
    "password_reset": (OK, OK, OK, OK, OK),
    "scheduling:book": (DENIED, OK, DENIED, DENIED, LOGIN),
    "scheduling:course": (DENIED, OK, OK, DENIED, LOGIN),
    "scheduling:course-print": (DENIED, OK, OK, DENIED, LOGIN),
    "scheduling:calendar": (DENIED, OK, OK, DENIED, LOGIN),
    "scheduling:free-slots": (DENIED, OK, OK, DENIED, LOGIN),
    "scheduling:calendar-print": (DENIED, OK, OK, DENIED, LOGIN),
    "scheduling:calendar-book": (DENIED, OK, DENIED, DENIED, LOGIN),
    "scheduling:worklist": (DENIED, DENIED, OK, DENIED, LOGIN),
    "scheduling:requests": (DENIED, OK, DENIED, DENIED, LOGIN),
    "scheduling:request": (DENIED, OK, DENIED, DENIED, LOGIN),
    "scheduling:request-register": (DENIED, OK, DENIED, DENIED, LOGIN),
    "scheduling:closures": (DENIED, OK, DENIED, DENIED, LOGIN),
    "scheduling:closure": (DENIED, OK, DENIED, DENIED, LOGIN),
    "scheduling:nitrogen": (OK, OK, OK, DENIED, LOGIN),
    "scheduling:dewar": (OK, OK, OK, DENIED, LOGIN),
    "public-request": (OK, OK, OK, OK, OK),
    # the waiting list: the front desk's page and form; the patient's own in the portal
    "scheduling:waitlist": (DENIED, OK, DENIED, DENIED, LOGIN),
    "scheduling:waitlist-add": (DENIED, OK, DENIED, DENIED, LOGIN),
    "scheduling:waitlist-withdraw": (DENIED, 405, DENIED, DENIED, LOGIN),
    "portal:waitlist": (DENIED, DENIED, DENIED, OK, LOGIN),
    "portal:waitlist-withdraw": (DENIED, DENIED, DENIED, 405, LOGIN),
    # POST-only actions: a GET by an allowed role is 405, by anyone else 403
    "scheduling:course-cancel": (DENIED, 405, DENIED, DENIED, LOGIN),
    "scheduling:session-move": (DENIED, 405, DENIED, DENIED, LOGIN),
    "scheduling:session-move-preview": (DENIED, 405, DENIED, DENIED, LOGIN),
    "scheduling:session-move-confirm": (DENIED, 405, DENIED, DENIED, LOGIN),
    "scheduling:session-cancel": (DENIED, 405, DENIED, DENIED, LOGIN),
    "scheduling:session-replace": (DENIED, 405, DENIED, DENIED, LOGIN),
    "scheduling:session-outcome": (DENIED, DENIED, 405, DENIED, LOGIN),
    "scheduling:session-note-create": (DENIED, DENIED, REDIRECT, DENIED, LOGIN),  # the session has a note: to it
    "scheduling:session-note": (DENIED, DENIED, OK, DENIED, LOGIN),
    "scheduling:session-note-amend": (DENIED, DENIED, OK, DENIED, LOGIN),
    "scheduling:request-close": (DENIED, 405, DENIED, DENIED, LOGIN),
    # a patient's warning report: clinicians read it (and its photo), the patient their own (tests/scheduling)
    "scheduling:warning-report": (DENIED, DENIED, OK, DENIED, LOGIN),
    "scheduling:warning-report-photo": (DENIED, DENIED, OK, DENIED, LOGIN),
    "portal:warning-report": (DENIED, DENIED, DENIED, OK, LOGIN),
    # results: trichoscopy and photos are for clinicians (other locations, other patients: tests/results)
    "results:photo-file": (DENIED, DENIED, OK, DENIED, LOGIN),
    "results:photo-thumb": (DENIED, DENIED, OK, DENIED, LOGIN),
    "results_compare:course": (DENIED, DENIED, OK, DENIED, LOGIN),  # before and after of a course
    "results_compare:course-pdf": (DENIED, DENIED, OK, DENIED, LOGIN),
    "portal:results": (DENIED, DENIED, DENIED, OK, LOGIN),  # the patient's own (other patients: tests/results)
    "portal:results-photo": (DENIED, DENIED, DENIED, OK, LOGIN),
    "portal:results-photo-thumb": (DENIED, DENIED, DENIED, OK, LOGIN),
    "results:check-create": (DENIED, DENIED, OK, DENIED, LOGIN),
    "results:check": (DENIED, DENIED, OK, DENIED, LOGIN),
    "results:trichoscopy-create": (DENIED, DENIED, OK, DENIED, LOGIN),
    "results:trichoscopy-amend": (DENIED, DENIED, OK, DENIED, LOGIN),
    "results:photo-upload": (DENIED, DENIED, 405, DENIED, LOGIN),
    "results:photo-withdraw": (DENIED, DENIED, 405, DENIED, LOGIN),
    "results:check-withdraw": (DENIED, DENIED, 405, DENIED, LOGIN),
    "results:photo-publishable": (DENIED, DENIED, 405, DENIED, LOGIN),
    "portal:session-report": (DENIED, DENIED, DENIED, OK, LOGIN),  # the completed session's form
    # the clinic's public pages of results and reviews: anyone, no sign-in (tests/results/test_public_gallery.py)
    "public:gallery": (OK, OK, OK, OK, OK),
    "public:reviews": (OK, OK, OK, OK, OK),
    "public:clinician-reviews": (OK, OK, OK, OK, OK),
    # reviews: administrators moderate; a patient reviews her own completed course (tests/results/test_reviews.py)
    "reviews:moderation": (OK, DENIED, DENIED, DENIED, LOGIN),
    "reviews:moderate": (405, DENIED, DENIED, DENIED, LOGIN),
    "reviews:portal-write": (DENIED, DENIED, DENIED, REDIRECT, LOGIN),  # the course is not completed: back home
    # the patient portal: the patient's own session and course (other patients: tests/portal)
    "portal:session-cancel": (DENIED, DENIED, DENIED, OK, LOGIN),
    "portal:session-move": (DENIED, DENIED, DENIED, OK, LOGIN),
    "portal:course-ics": (DENIED, DENIED, DENIED, OK, LOGIN),
    "portal:calendar": (DENIED, DENIED, DENIED, OK, LOGIN),
    "portal:session-confirm": (DENIED, DENIED, DENIED, 405, LOGIN),
    "portal:sign-in": (OK, OK, OK, OK, OK),
    "two-factor-setup": (OK, OK, OK, DENIED, LOGIN),
    "api-tokens": (OK, OK, OK, OK, LOGIN),
    "records:data-protection": (OK, DENIED, DENIED, DENIED, LOGIN),
    "records:export": (OK, DENIED, DENIED, DENIED, LOGIN),
    "records:anonymise": (OK, DENIED, DENIED, DENIED, LOGIN),
    "two-factor-verify": (REDIRECT, REDIRECT, REDIRECT, REDIRECT, LOGIN),  # nothing owed: sent on
    "portal:invite": (DENIED, 405, DENIED, DENIED, LOGIN),
    "portal:staff-feed": (DENIED, 405, DENIED, DENIED, LOGIN),
    # consents: the clinic's tablet (clinicians witness), a signed form and its PDF, the portal's own
    "consents:sign": (DENIED, DENIED, OK, DENIED, LOGIN),
    "consents:send": (DENIED, 405, 405, DENIED, LOGIN),
    "consents:detail": (DENIED, OK, OK, DENIED, LOGIN),
    "consents:pdf": (DENIED, DENIED, OK, DENIED, LOGIN),  # the PDF carries the evidence: clinicians
    "consents:portal-list": (DENIED, DENIED, DENIED, OK, LOGIN),
    "consents:portal-form": (DENIED, DENIED, DENIED, OK, LOGIN),
    "consents:portal-pdf": (DENIED, DENIED, DENIED, OK, LOGIN),
    "consents:portal-withdraw": (DENIED, DENIED, DENIED, 405, LOGIN),
    "consents:privacy": (OK, OK, OK, OK, OK),
    # reports: administrators (all locations) and registrars (theirs); a report's CSV download
    "reports:index": (OK, OK, DENIED, DENIED, LOGIN),
    "reports:export": (OK, OK, DENIED, DENIED, LOGIN),
    # money: the front desk takes payments and makes refunds on the course page (POST only)
    "billing:payment-take": (DENIED, 405, DENIED, DENIED, LOGIN),
    "billing:refund-make": (DENIED, 405, DENIED, DENIED, LOGIN),
    "billing:payment-link-create": (DENIED, 405, DENIED, DENIED, LOGIN),
    # the payment provider's webhook: no login, POST only, believed when signed (tests/billing/test_payment_links.py)
    "billing:provider-webhook": (405, 405, 405, 405, 405),
    "billing:day": (OK, OK, DENIED, DENIED, LOGIN),
    "billing:tax-certificate": (DENIED, OK, DENIED, DENIED, LOGIN),  # a PDF of the patient's payments in a year
    "billing:my-tax-certificate": (
        DENIED,
        DENIED,
        DENIED,
        OK,
        LOGIN,
    ),  # the cashier's day: administrators see every location
    # health endpoints for load balancers: anyone, no login (tests/core/test_outages.py)
    "healthz": (OK, OK, OK, OK, OK),
    "readyz": (OK, OK, OK, OK, OK),
}


@pytest.fixture
def users(administrator, registrar, clinician, patient_user):
    return {
        "administrator": administrator,
        "registrar": registrar,
        "clinician": clinician,
        "patient": patient_user,
        "anonymous": None,
    }


@pytest.fixture
def records(patient, clinician, cryo, all_absent, registrar):
    import datetime

    from django.utils import timezone

    from scheduling.models import BookingRequest, Closure, Course, Session, SessionNote

    screening = screening_sign(actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=2)
    test = ice_test_record(actor=clinician, patient=patient, area="nape", exposure_seconds=10)
    course = Course.objects.create(
        patient=patient,
        procedure=cryo,
        location=patient.home_location,
        session_count=10,
        price_per_session=950,
        discount_percent=10,
        total_price=8550,
        created_by=registrar,
    )
    start = timezone.now() + datetime.timedelta(days=3)
    session = Session.objects.create(
        course=course,
        patient=patient,
        location=patient.home_location,
        clinician=clinician,
        start=start,
        end=start + datetime.timedelta(minutes=20),
    )
    closure = Closure.objects.create(
        location=patient.home_location, starts_on=start.date(), ends_on=start.date(), reason="Holiday"
    )
    request = BookingRequest.objects.create(name="Anna", phone="+79160000000")
    note = SessionNote.objects.create(
        session=session, patient=patient, signed_by=clinician, signed_at=timezone.now(), zones="whole head"
    )
    held_at = timezone.now() - datetime.timedelta(days=2)
    held = Session.objects.create(
        course=course,
        patient=patient,
        location=patient.home_location,
        clinician=clinician,
        start=held_at,
        end=held_at + datetime.timedelta(minutes=20),
        status="completed",
    )
    from django.core.files.base import ContentFile

    from scheduling.models import WarningReport

    photo = ContentFile(b"\xff\xd8 a stored photo", name="p.jpg")
    report = WarningReport.objects.create(
        session=held, patient=patient, signs=["dryness"], urgent=False, via="portal", photo=photo
    )
    from consents.models import ConsentTemplate, Method
    from consents.selectors import current_version
    from consents.services import personal_data_record

    form = ConsentTemplate.objects.get(procedure=cryo)
    consent = personal_data_record(patient=patient, version=current_version(form), method=Method.REGISTRATION)
    from decimal import Decimal

    from procedures.models import ResourceKind
    from scheduling.models import Dewar, Resource

    dewar_device = Resource.objects.create(
        location=patient.home_location, kind=ResourceKind.objects.get(slug="nitrogen-dewar"), name="Dewar"
    )
    dewar = Dewar.objects.create(resource=dewar_device, capacity_litres=35, daily_loss_litres=Decimal("0.3"))
    from scheduling.models import WaitlistEntry

    entry = WaitlistEntry.objects.create(
        patient=patient,
        procedure=cryo,
        location=patient.home_location,
        earliest_on=datetime.date.today(),
        latest_on=datetime.date.today() + datetime.timedelta(days=30),
        sessions=cryo.min_sessions,
        via="desk",
    )
    from results.models import CheckKind
    from tests.results.conftest import make_check, make_photo, make_trichoscopy

    result_check = make_check(course, kind=CheckKind.BASELINE, days_ago=1, clinician=clinician)
    photo = make_photo(result_check, clinician=clinician)
    final_check = make_check(course, kind=CheckKind.FINAL, days_ago=0, clinician=clinician)
    trichoscopy = make_trichoscopy(final_check, clinician=clinician, density=150, terminal="60.0")
    from results.models import Review

    review = Review.objects.create(
        course=Course.objects.create(
            patient=patient,
            procedure=cryo,
            location=patient.home_location,
            session_count=10,
            price_per_session=950,
            discount_percent=10,
            total_price=8550,
            status="completed",
            created_by=registrar,
        ),
        patient=patient,
        procedure=cryo,
        clinician=clinician,
        rating=5,
        display_name="Maria",
    )
    type(clinician).objects.filter(pk=clinician.pk).update(first_name="Anna", last_name="Orlova")
    return {
        "review": review.pk,
        "clinician": clinician.pk,
        "photo": photo.pk,
        "result-check": result_check.pk,
        "trichoscopy": trichoscopy.pk,
        "waitlist-entry": entry.pk,
        "dewar": dewar.pk,
        "consent": consent.pk,
        "consent-form": form.pk,
        "patient": patient.pk,
        "screening": screening.pk,
        "ice-test": test.pk,
        "course": course.pk,
        "session": session.pk,
        "closure": closure.pk,
        "request": request.pk,
        "note": note.pk,
        "held": held.pk,
        "report": report.pk,
        "report-name": "attendance",  # a report's name (reports.selectors.REPORTS)
    }


def _url(name, records):
    by_record = {
        "scheduling:book": "patient",
        "scheduling:course": "course",
        "scheduling:course-print": "course",
        "scheduling:course-cancel": "course",
        "billing:payment-take": "course",
        "billing:refund-make": "course",
        "billing:payment-link-create": "course",
        "scheduling:closure": "closure",
        "scheduling:dewar": "dewar",
        "scheduling:request-close": "request",
        "scheduling:request": "request",
        "scheduling:request-register": "request",
        "scheduling:session-note": "note",
        "scheduling:session-note-amend": "note",
        "scheduling:warning-report": "report",
        "scheduling:warning-report-photo": "report",
        "portal:warning-report": "report",
        "portal:session-report": "held",
        "scheduling:waitlist-add": "patient",
        "scheduling:waitlist-withdraw": "waitlist-entry",
        "portal:waitlist-withdraw": "waitlist-entry",
        "results:photo-file": "photo",
        "results:photo-thumb": "photo",
        "portal:results-photo": "photo",
        "portal:results-photo-thumb": "photo",
        "results_compare:course": "course",
        "results_compare:course-pdf": "course",
        "results:photo-withdraw": "photo",
        "results:photo-publishable": "photo",
        "results:check-create": "course",
        "results:check": "result-check",
        "results:check-withdraw": "result-check",
        "results:trichoscopy-create": "result-check",
        "results:photo-upload": "result-check",
        "results:trichoscopy-amend": "trichoscopy",
        "reviews:portal-write": "course",
        "reviews:moderate": "review",
        "public:clinician-reviews": "clinician",
    }
    if name in by_record:
        return reverse(name, args=[records[by_record[name]]])
    if name in {"public:gallery", "public:reviews"}:
        return reverse(name, args=["cryomassage-contact"])
    if name == "reports:export":
        return reverse(name, args=["attendance", "csv"])
    if name in {"portal:session-cancel", "portal:session-move", "portal:session-confirm"}:
        return reverse(name, args=[records["session"]])
    if name == "portal:course-ics":
        return reverse(name, args=[records["course"]])
    if name in {"portal:invite", "portal:staff-feed"}:
        return reverse(name, args=[records["patient"]])
    if name.startswith("scheduling:session-"):
        return reverse(name, args=[records["session"]])
    if name in {"patient-detail", "patients:edit", "records:export", "records:anonymise", "billing:tax-certificate"}:
        return reverse(name, args=[records["patient"]])
    if name in {"consents:sign", "consents:send"}:
        return reverse(name, args=[records["patient"], records["consent-form"]])
    if name in {"consents:detail", "consents:pdf", "consents:portal-pdf", "consents:portal-withdraw"}:
        return reverse(name, args=[records["consent"]])
    if name == "consents:portal-form":
        return reverse(name, args=[records["consent-form"]])
    if name in {"procedures:screening-create", "procedures:ice-test-create"}:
        return reverse(name, args=[records["patient"]])
    if name.startswith("procedures:screening"):
        return reverse(name, args=[records["screening"]])
    if name.startswith("procedures:ice-test"):
        return reverse(name, args=[records["ice-test"]])
    return reverse(name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_the_expected_answer_on_each_page(name, users, records, client):
    for role, expected in zip(ROLES, MATRIX[name], strict=True):
        user = users[role]
        response = (login(user) if user else client).get(_url(name, records))
        assert response.status_code == expected, f"{role} on {name}: {response.status_code}, expected {expected}"
        if expected == LOGIN and role == "anonymous":
            landed = client.get(_url(name, records), follow=True)
            assert landed.request["PATH_INFO"] == reverse("login")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("registrar", "patients:list"),
        ("clinician", "scheduling:worklist"),
        ("administrator", "admin:index"),
        ("patient", "portal:home"),
    ],
)
def test_each_demo_role_lands_on_its_home_page(role, target, users):
    response = login(users[role]).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse(target)


def test_a_user_without_a_role_is_refused_not_shown_an_empty_page(db):
    from ..factories import UserFactory

    assert login(UserFactory(username="norole")).get("/").status_code == 403


def test_a_wrong_password_shows_a_plain_error_and_signs_nobody_in(registrar, client):
    response = client.post(reverse("login"), {"username": "registrar1", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_unknown_url_gets_the_apps_404_page(as_registrar):
    response = as_registrar.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_pages_with_patient_data_are_never_cached(as_registrar, patient):
    response = as_registrar.get(reverse("patient-detail", args=[patient.pk]))
    assert "no-store" in response["Cache-Control"]


def test_signing_out_needs_a_post_and_ends_the_session(as_registrar):
    assert as_registrar.get(reverse("logout")).status_code == 405
    as_registrar.post(reverse("logout"))
    assert as_registrar.get(reverse("patients:list")).status_code == 302


def test_the_language_switcher_changes_the_interface_language(as_registrar):
    as_registrar.post(reverse("set_language"), {"language": "ru", "next": "/patients/"})
    response = as_registrar.get(reverse("patients:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="ru">' in response.content.decode()


def test_an_idle_session_expires_and_an_active_one_slides(as_registrar, settings):
    from accounts.middleware import IdleTimeoutMiddleware

    as_registrar.get(reverse("patients:list"))
    first = as_registrar.session[IdleTimeoutMiddleware.KEY]
    session = as_registrar.session
    session[IdleTimeoutMiddleware.KEY] = first - 61  # a minute has passed
    session.save()
    as_registrar.get(reverse("patients:list"))
    assert as_registrar.session[IdleTimeoutMiddleware.KEY] >= first
    assert as_registrar.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60


# Pages reached only by a token or that are parts of a flow tested elsewhere.
NOT_IN_MATRIX = {
    "home": (REDIRECT, REDIRECT, REDIRECT, REDIRECT, LOGIN),
    "logout": "POST only; test_signing_out_needs_a_post_and_ends_the_session",
    "password_change_done": "the page after a change",
    "password_reset_done": "the page after a request",
    "password_reset_confirm": "reached by an emailed token",
    "password_reset_complete": "the page after a reset",
    "api-token-revoke": "POST only, by the token's owner; tests/accounts/test_api_tokens.py",
    "set_language": "POST only; test_the_language_switcher_changes_the_interface_language",
    "session-link": "reached by a signed token; tests/scheduling/test_reminders.py",
    "session-link-page": "the page after a reminder's link; tests/scheduling/test_reminders.py",
    "session-link-report": "the aftercare message's signed link; tests/scheduling/test_warning_reports.py",
    "session-link-report-page": "the form after the aftercare link; tests/scheduling/test_warning_reports.py",
    "portal:link-landing": "reached by a one-time link; tests/portal/test_access.py",
    "portal:link": "the page after a one-time link; tests/portal/test_access.py",
    "portal:welcome-landing": "reached by an invitation; tests/portal/test_access.py",
    "portal:welcome": "the page after an invitation; tests/portal/test_access.py",
    "calendar-feed": "reached by a feed secret; tests/portal/test_pages.py",
    "favicon": "anyone, no login: sent on to the static icon; tests/core/test_branding.py",
    "consents:link": "reached by a signing link; tests/consents/test_pages.py",
    "consents:link-page": "the page after a signing link; tests/consents/test_pages.py",
    "portal:offer": "reached by a waiting-list offer's token; tests/scheduling/test_waitlist.py",
    "portal:offer-page": "the page after an offer's link; tests/scheduling/test_waitlist.py",
    "public:photo": "a published photo by its public name; tests/results/test_public_gallery.py",
    "reviews:write-landing": "reached by a review invitation's token; tests/results/test_reviews.py",
    "reviews:write": "the page after an invitation's link; tests/results/test_reviews.py",
}


def _page_names(patterns, namespace=""):
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin" or str(pattern.pattern).startswith("api/"):
                continue  # the admin is one entry (admin:index); the API has its own tests per endpoint
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _page_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_page_of_the_url_configuration_is_in_the_role_matrix():
    from django.urls import get_resolver

    pages = set(_page_names(get_resolver().url_patterns))
    missing = pages - set(MATRIX) - set(NOT_IN_MATRIX)
    assert missing == set(), f"add these pages to MATRIX with the answer each role gets: {sorted(missing)}"
