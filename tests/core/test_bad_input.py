"""Input that used to raise a 500 gets a clear 400 (or a form error) and changes nothing."""

import json

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse

from patients.models import Patient
from scheduling.models import BookingRequest

from ..conftest import login

DEEP = "[" * 1000 + "]" * 1000


@pytest.mark.django_db
def test_a_nul_in_the_search_box_is_a_400_on_the_page_and_the_api(registrar, patient):
    client = login(registrar)
    page = client.get(reverse("patients:list"), {"q": "Iva\x00nova"})
    assert page.status_code == 400
    assert "NUL character" in page.content.decode()
    answer = client.get("/api/v1/patients/", {"q": "Iva\x00nova"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "null_character"
    assert client.get("/api/v1/patients/", {"q": "Ivanova"}).json()["results"][0]["id"] == patient.pk


@pytest.mark.django_db
def test_a_nul_in_a_posted_form_value_is_a_400_and_saves_nothing(client):
    response = client.post(reverse("public-request"), {"name": "Anna\x00", "phone": "+7 916 000-00-00"})
    assert response.status_code == 400
    assert not BookingRequest.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/booking-requests/", "/api/v1/auth/token/"])
def test_a_deeply_nested_json_body_is_a_400_without_login(path):
    response = Client().post(path, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "json_too_deep"
    shallow = Client().post(path, '{"name": [[[[1]]]]}', content_type="application/json")
    assert shallow.status_code == 400 and shallow.json()["error"]["code"] != "json_too_deep"
    assert not BookingRequest.objects.exists()


@pytest.mark.django_db
def test_brackets_inside_strings_do_not_count_as_nesting(client):
    body = json.dumps({"name": "[" * 30, "phone": "+7 916 000-00-01", "message": "{" * 30})
    response = client.post("/api/v1/booking-requests/", body, content_type="application/json")
    assert response.status_code == 202
    assert BookingRequest.objects.get().name.startswith("[[[[")


@pytest.mark.django_db
def test_an_overlong_username_is_a_form_error_and_not_a_counted_failure(registrar):
    client = Client()
    response = client.post(reverse("login"), {"username": "x" * 300, "password": "whatever"})
    assert response.status_code == 200
    assert "at most 254 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists() and not AccessFailureLog.objects.exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("dob", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_a_date_of_birth_out_of_range_is_refused_by_the_api(dob, registrar, location):
    client = login(registrar)
    body = {"full_name": "Anna Test", "phone": "+7 916 555-11-22", "date_of_birth": dob, "sex": "female"}
    response = client.post("/api/v1/patients/", {**body, "home_location": location.pk}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"date_of_birth"}
    assert not Patient.objects.exists()
