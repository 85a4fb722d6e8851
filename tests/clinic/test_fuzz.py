"""Bad input never gets a 500: the API fuzzed from its own OpenAPI schema (schemathesis), the main
forms with generated text (hypothesis). Both bounded, so CI stays quick."""

import json

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from ..conftest import login

FUZZ = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,  # the same examples on every run: a failure in CI is a failure on a laptop
)


def _schema():
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = WSGIHandler()
    return schema


schema = _schema()


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """The WSGI handler closes the database connection after each request, which would end the
    test's transaction; Django's own test client holds that back the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(registrar, clinician, patient_user, patient, location):
    from rest_framework.authtoken.models import Token

    cache.clear()
    return {user.username: Token.objects.create(user=user).key for user in (registrar, clinician, patient_user)}


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_no_api_input_gets_a_server_error(case, tokens):
    for key in tokens.values():  # as a registrar, a clinician and a patient: each reaches other code
        case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=[not_a_server_error])


TEXT = st.text(min_size=0, max_size=300)


@pytest.mark.django_db
@FUZZ
@given(full_name=TEXT, phone=TEXT, email=TEXT, dob=TEXT, notes=TEXT)
def test_the_patient_form_answers_any_input_without_a_server_error(
    registrar, location, full_name, phone, email, dob, notes
):
    client = login(registrar)
    data = {
        "full_name": full_name,
        "phone": phone,
        "email": email,
        "date_of_birth": dob,
        "sex": "female",
        "preferred_language": "ru",
        "home_location": location.pk,
        "notes": notes,
    }
    response = client.post(reverse("patients:create"), data)
    assert response.status_code in (200, 302, 400)


@pytest.mark.django_db
@FUZZ
@given(name=TEXT, phone=TEXT, preferred_time=TEXT, message=st.text(max_size=2000))
def test_the_public_request_form_answers_any_input_without_a_server_error(client, name, phone, preferred_time, message):
    cache.clear()
    data = {"name": name, "phone": phone, "preferred_time": preferred_time, "message": message}
    assert client.post(reverse("public-request"), data).status_code in (200, 400, 429)


@pytest.mark.django_db
@FUZZ
@given(contact=TEXT)
def test_the_sign_in_link_form_answers_any_input_without_a_server_error(client, patient, contact):
    cache.clear()
    assert client.post(reverse("portal:sign-in"), {"contact": contact}).status_code in (200, 400, 429)


@pytest.mark.django_db
@FUZZ
@given(q=TEXT)
def test_patient_search_answers_any_query_without_a_server_error(registrar, q):
    expected = 400 if "\x00" in q else 200  # a NUL is refused as such (core.middleware)
    assert login(registrar).get(reverse("patients:list"), {"q": q}).status_code == expected
