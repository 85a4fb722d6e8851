"""The API's ground rules: token auth, one JSON error shape, no 500 on bad input."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ..factories import PASSWORD


def test_a_token_is_issued_for_a_right_password_and_works(registrar):
    client = APIClient()
    response = client.post(reverse("api-token"), {"username": "registrar1", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(reverse("api-patients")).status_code == 200


def test_a_wrong_password_gets_no_token_and_a_coded_error(registrar):
    response = APIClient().post(reverse("api-token"), {"username": "registrar1", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "authorization"
    assert "Unable to log in" in response.json()["error"]["message"]


def test_an_anonymous_request_is_answered_401_with_a_code(db):
    response = APIClient().get(reverse("api-patients"))
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "Authentication credentials were not provided."}
    }
    assert response["WWW-Authenticate"] == "Token"


def test_a_forged_token_is_refused(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    response = client.get(reverse("api-patients"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_wrong_role_is_answered_403_with_a_code(patient_user):
    client = APIClient()
    client.force_authenticate(patient_user)
    response = client.get(reverse("api-patients"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_an_unknown_api_url_is_a_json_404(registrar):
    client = APIClient()
    client.force_authenticate(registrar)
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_field_errors_name_the_field_and_carry_a_code(registrar, location):
    client = APIClient()
    client.force_authenticate(registrar)
    response = client.post(
        reverse("api-patients"),
        {"full_name": "X", "phone": "12", "date_of_birth": "soon", "sex": "female", "home_location": location.pk},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"phone", "date_of_birth"}


def test_malformed_json_is_a_400_not_a_500(registrar):
    client = APIClient()
    client.force_authenticate(registrar)
    response = client.post(reverse("api-patients"), data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
def test_the_schema_and_docs_are_served_to_staff_only(path, registrar, clinician, administrator, patient_user):
    assert APIClient().get(path).status_code == 401
    for user, status in [(registrar, 200), (clinician, 200), (administrator, 200), (patient_user, 403)]:
        client = APIClient()
        client.force_authenticate(user)
        assert client.get(path).status_code == status, user


def test_the_schema_lists_the_clinical_endpoints(registrar):
    client = APIClient()
    client.force_authenticate(registrar)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in [
        "/api/v1/patients/",
        "/api/v1/patients/{id}/",
        "/api/v1/procedures/",
        "/api/v1/patients/{id}/screenings/",
        "/api/v1/patients/{id}/ice-tests/",
        "/api/v1/patients/{id}/eligibility/",
        "/api/v1/auth/token/",
    ]:
        assert path in schema["paths"], path
