"""The website-request inbox: a patient is linked only from the search results, a patient registered
from a request is linked back to it, and booking from a request carries its procedure and time."""

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from patients.models import Patient
from scheduling.models import BookingRequest, BookingRequestStatus, Session

from ..conftest import login
from ..factories import LocationFactory, PatientFactory, UserFactory
from .conftest import book_course


@pytest.fixture
def elsewhere(db):
    return LocationFactory(name="Magadan branch", time_zone="Asia/Magadan")


@pytest.fixture
def stranger(elsewhere):
    return UserFactory(username="registrar_far", role="registrar", locations=[elsewhere])


@pytest.fixture
def website_request(db, cryo):
    return BookingRequest.objects.create(
        name="Maria Ivanova", phone="+7 916 123-45-67", procedure=cryo, preferred_time="after 18:30, weekdays"
    )


def _close(client, booking_request, **data):
    return client.post(reverse("scheduling:request-close", args=[booking_request.pk]), data)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["abc", "99999", "-1", "1 OR 1=1"])
def test_a_typed_or_unknown_patient_id_is_a_form_error_and_closes_nothing(as_registrar, website_request, typed):
    response = _close(as_registrar, website_request, status="handled", patient=typed)
    assert response.status_code == 400
    assert "Choose the patient from the search results." in response.content.decode()
    website_request.refresh_from_db()
    assert website_request.status == BookingRequestStatus.NEW and website_request.patient_id is None


@pytest.mark.django_db
def test_another_branchs_patient_cannot_be_linked(as_registrar, website_request, elsewhere):
    far = PatientFactory(home_location=elsewhere, full_name="Far Away Patient")
    response = _close(as_registrar, website_request, status="handled", patient=far.pk)
    assert response.status_code == 400 and "Far Away Patient" not in response.content.decode()
    website_request.refresh_from_db()
    assert website_request.status == BookingRequestStatus.NEW and website_request.patient_id is None


@pytest.mark.django_db
def test_done_without_a_patient_asks_for_one(as_registrar, website_request):
    response = _close(as_registrar, website_request, status="handled")
    assert response.status_code == 400 and "Find the patient and choose them" in response.content.decode()
    website_request.refresh_from_db()
    assert website_request.status == BookingRequestStatus.NEW


@pytest.mark.django_db
def test_a_patient_found_by_the_search_is_linked_when_the_request_is_done(
    as_registrar, registrar, website_request, patient, other_patient
):
    page = as_registrar.get(reverse("scheduling:request", args=[website_request.pk])).content.decode()
    assert f'name="patient" value="{patient.pk}"' in page  # found by the request's phone
    assert f'value="{other_patient.pk}"' not in page
    response = _close(as_registrar, website_request, status="handled", patient=patient.pk)
    assert response.status_code == 302 and response["Location"] == reverse("scheduling:requests")
    website_request.refresh_from_db()
    assert website_request.status == BookingRequestStatus.HANDLED
    assert website_request.patient_id == patient.pk and website_request.handled_by_id == registrar.pk
    again = _close(as_registrar, website_request, status="dismissed")
    assert again.status_code == 400 and "already been handled" in again.content.decode()


@pytest.mark.django_db
def test_dismissing_needs_no_patient(as_registrar, website_request):
    assert _close(as_registrar, website_request, status="dismissed").status_code == 302
    website_request.refresh_from_db()
    assert website_request.status == BookingRequestStatus.DISMISSED and website_request.patient_id is None


@pytest.mark.django_db
def test_registering_from_a_request_prefills_and_links_the_new_patient(as_registrar, website_request, location):
    url = reverse("scheduling:request-register", args=[website_request.pk])
    form = as_registrar.get(url).content.decode()
    assert 'value="Maria Ivanova"' in form and 'value="8 (916) 123-45-67"' in form  # the phone, as the widget writes it
    body = {
        "full_name": "Maria Ivanova",
        "date_of_birth": "1988-03-04",
        "sex": "female",
        "phone": "+7 916 123-45-67",
        "preferred_language": "ru",
        "home_location": location.pk,
    }
    response = as_registrar.post(url, body)
    new = Patient.objects.get(full_name="Maria Ivanova")
    assert response.status_code == 302 and response["Location"] == reverse(
        "scheduling:request", args=[website_request.pk]
    )
    website_request.refresh_from_db()
    assert website_request.patient_id == new.pk and website_request.status == BookingRequestStatus.NEW
    page = as_registrar.get(response["Location"]).content.decode()
    assert f'value="{new.pk}" id="patient-{new.pk}" checked' in page
    assert _close(as_registrar, website_request, status="handled").status_code == 302  # the linked one
    website_request.refresh_from_db()
    assert website_request.status == BookingRequestStatus.HANDLED and website_request.patient_id == new.pk


@pytest.mark.django_db
def test_booking_from_a_request_carries_its_procedure_and_time_into_the_wizard(
    as_registrar, website_request, patient, cryo
):
    page = as_registrar.get(reverse("scheduling:request", args=[website_request.pk])).content.decode()
    query = urlencode({"request": website_request.pk, "procedure": cryo.slug, "preferred_time": "18:30"})
    book = f"{reverse('scheduling:book', args=[patient.pk])}?{query}"
    assert book.replace("&", "&amp;") in page
    wizard = as_registrar.get(book).content.decode()
    assert f'<option value="{cryo.slug}" selected>' in wizard
    assert 'name="preferred_time" value="18:30"' in wizard
    assert "after 18:30, weekdays" in wizard


@pytest.mark.django_db
def test_the_wizard_ignores_nonsense_in_its_query(as_registrar, patient):
    url = reverse("scheduling:book", args=[patient.pk])
    page = as_registrar.get(f"{url}?procedure=nope&preferred_time=99:99&request=abc")
    assert page.status_code == 200 and " selected>" in page.content.decode()  # only the location is chosen
    assert 'name="preferred_time" value=' not in page.content.decode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("after 18:30", datetime.time(18, 30)), ("10.00 please", datetime.time(10)), ("evenings", None), ("", None)],
)
def test_a_clock_time_is_read_from_the_free_text(text, expected):
    from scheduling.inbox import preferred_time_of

    assert preferred_time_of(text) == expected


@pytest.mark.django_db
def test_a_move_request_belongs_to_the_location_of_its_session(
    registrar, stranger, clinic, eligible_patient, cryo, location, client
):
    course = book_course(registrar, eligible_patient, cryo, location)
    session = Session.objects.filter(course=course).order_by("start").first()
    move = BookingRequest.objects.create(name="Maria", phone="+79161234567", session=session, patient=eligible_patient)
    inbox = reverse("scheduling:requests")
    assert reverse("scheduling:request", args=[move.pk]) in login(registrar).get(inbox).content.decode()
    assert reverse("scheduling:request", args=[move.pk]) not in login(stranger).get(inbox).content.decode()
    assert login(stranger).get(reverse("scheduling:request", args=[move.pk])).status_code == 404
    assert _close(login(stranger), move, status="dismissed").status_code == 404
    assert client.get(reverse("scheduling:request", args=[move.pk])).status_code == 302
    assert _close(login(registrar), move, status="handled").status_code == 302  # the session's patient
    move.refresh_from_db()
    assert move.status == BookingRequestStatus.HANDLED and move.patient_id == eligible_patient.pk


@pytest.mark.django_db
def test_a_website_request_is_seen_by_registrars_of_any_branch_but_not_by_one_of_none(stranger, website_request):
    inbox = reverse("scheduling:requests")
    assert "Maria Ivanova" in login(stranger).get(inbox).content.decode()
    loose = UserFactory(role="registrar")
    assert "Maria Ivanova" not in login(loose).get(inbox).content.decode()
    assert login(loose).get(reverse("scheduling:request", args=[website_request.pk])).status_code == 404


@pytest.mark.django_db
def test_the_search_on_a_request_page_finds_only_ones_own_patients(stranger, website_request, patient):
    page = login(stranger).get(reverse("scheduling:request", args=[website_request.pk]) + "?q=Ivanova")
    assert patient.full_name not in page.content.decode()


@pytest.mark.django_db
def test_the_service_itself_refuses_a_patient_the_user_does_not_see(registrar, website_request, elsewhere):
    from django.core.exceptions import ValidationError

    from scheduling.services import booking_request_close

    far = PatientFactory(home_location=elsewhere)
    with pytest.raises(ValidationError) as refused:
        booking_request_close(actor=registrar, booking_request=website_request, status="handled", patient=far)
    assert refused.value.error_list[0].code == "invalid_patient"
    website_request.refresh_from_db()
    assert website_request.status == BookingRequestStatus.NEW and website_request.patient_id is None


@pytest.mark.django_db
def test_the_requests_patient_search_says_when_more_match_than_it_lists_and_names_each_booking_link(
    as_registrar, website_request, location
):
    for n in range(21):
        PatientFactory(full_name=f"Petrova {n:02d}", home_location=location)
    url = reverse("scheduling:request", args=[website_request.pk])
    many = as_registrar.get(url, {"q": "Petrova"}).content.decode()
    assert many.count('name="patient"') == 20 and "More patients match: narrow the search to find them." in many
    assert 'aria-label="Book a course for Petrova 00"' in many  # not twenty links all called "Book a course"
    few = as_registrar.get(url, {"q": "Petrova 05"}).content.decode()
    assert few.count('name="patient"') == 1 and "More patients match" not in few
