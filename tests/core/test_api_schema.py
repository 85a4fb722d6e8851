"""The OpenAPI schema is one a generated client can use: JSON bodies, typed answers, every error."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from ..factories import PASSWORD

ERROR = "#/components/schemas/Error"
TIMEOUT = 120


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    """Written by `manage.py spectacular --validate --fail-on-warn`: it raises on any warning."""
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


# The one body that is not JSON: a check's photo, as a file (settings.API_MULTIPART_PATHS).
MULTIPART = {"POST /api/v1/checks/{id}/photos/": ["multipart/form-data"]}


def test_every_request_body_is_json_only(schema):
    bodies = {name: list(op["requestBody"]["content"]) for name, op in operations(schema) if "requestBody" in op}
    assert len(bodies) >= 10
    assert {name: media for name, media in bodies.items() if media != ["application/json"]} == MULTIPART


def test_every_operation_documents_its_errors_with_the_error_schema(schema):
    for name, operation in operations(schema):
        responses = operation["responses"]
        assert "503" in responses, name
        if operation.get("security"):
            assert {"401", "403"} <= set(responses), name
        if "{id}" in name:
            assert "404" in responses, name
        if "requestBody" in operation:
            assert {"400", "415"} <= set(responses), name
        for code, response in responses.items():
            if int(code) >= 400:
                assert response["content"]["application/json"]["schema"] == {"$ref": ERROR}, (name, code)


@pytest.mark.parametrize(
    "name, codes",
    [
        ("POST /api/v1/courses/", {"409"}),
        ("POST /api/v1/courses/{id}/consent-link/", {"409"}),
        ("POST /api/v1/sessions/{id}/move/", {"409"}),
        ("POST /api/v1/me/sessions/{id}/cancel/", {"409"}),
        ("POST /api/v1/booking-requests/", {"429"}),
        ("POST /api/v1/auth/token/", {"400", "403", "429"}),
    ],
)
def test_the_conflicts_and_limits_are_documented_where_they_happen(schema, name, codes):
    assert codes <= set(dict(operations(schema))[name]["responses"])


def test_the_error_schema_has_fields_problems_and_typed_conflicts(schema):
    components = schema["components"]["schemas"]
    body = components["ErrorBody"]
    assert set(body["required"]) == {"code", "message"}
    assert body["properties"]["fields"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    assert body["properties"]["conflicts"]["items"] == {"$ref": "#/components/schemas/Clash"}
    clash = components["Clash"]
    assert set(clash["required"]) == {"session_number", "start", "clashes_with", "detail"}
    assert components["ClashesWithEnum"]["enum"] == ["clinician", "resource", "patient"]


def test_the_public_operations_need_no_credentials(schema):
    ops = dict(operations(schema))
    for name in ("POST /api/v1/auth/token/", "POST /api/v1/booking-requests/"):
        assert "security" not in ops[name], name
        assert "401" not in ops[name]["responses"], name
    assert ops["GET /api/v1/calendar/"]["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from POST /api/v1/auth/token/, as `Bearer <token>` (or `Token <token>`).",
    }


def _untyped(node, where=""):
    """Objects that say nothing of their properties (drf-spectacular's `dict`)."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" not in node and node.get("additionalProperties") in ({}, True):
            found.append(where)
        for key, value in node.items():
            found += _untyped(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _untyped(value, f"{where}[{index}]")
    return found


def test_no_answer_is_an_untyped_object(schema):
    assert _untyped(schema["paths"]) == []
    assert _untyped(schema["components"]["schemas"]) == []
    ops = dict(operations(schema))
    answer = ops["POST /api/v1/courses/preview/"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/CoursePreview"}
    answer = ops["GET /api/v1/calendar/"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/Calendar"}
    sessions = schema["components"]["schemas"]["CourseOut"]["properties"]["sessions"]
    assert sessions == {"type": "array", "items": {"$ref": "#/components/schemas/SessionOut"}, "readOnly": True}


def test_a_client_generated_from_the_schema_imports_every_module(tmp_path):
    """openapi-python-client, as an integrator runs it; before issue 17 every POST module raised NameError."""
    (tmp_path / "schema.yaml").write_text(
        subprocess.run(
            [sys.executable, "manage.py", "spectacular", "--fail-on-warn"],
            capture_output=True,
            text=True,
            check=True,
            timeout=TIMEOUT,
        ).stdout
    )
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "openapi-python-client"), "generate", "--path", "schema.yaml"]
    generated = subprocess.run(
        [*command, "--output-path", "clinic_client", "--meta", "none"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
    )
    assert generated.returncode == 0 and "Warning" not in generated.stdout + generated.stderr, generated.stdout
    imports = (
        "import importlib, pkgutil, clinic_client\n"
        "names = [m.name for m in pkgutil.walk_packages(clinic_client.__path__, 'clinic_client.')]\n"
        "[importlib.import_module(n) for n in names]\n"
        "print(len(names))\n"
    )
    done = subprocess.run([sys.executable, "-c", imports], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 50


def test_a_form_body_is_refused_as_not_json(registrar):
    client = APIClient()
    client.force_authenticate(registrar)
    response = client.post(reverse("api-course-preview"), {"count": "10"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    # A multipart type without a boundary, and no body: 415 too, not a 500 from whatever reads the form.
    no_boundary = client.post(reverse("api-me-session-confirm", args=[1]), content_type="multipart/form-data")
    assert no_boundary.status_code == 415
    assert client.post(reverse("api-token"), "x=1", content_type="application/x-www-form-urlencoded").status_code == 415


def test_a_bearer_token_works_like_a_token_token(registrar):
    token = (
        APIClient()
        .post(reverse("api-token"), {"username": registrar.username, "password": PASSWORD})
        .json()
        .get("token")
    )
    assert token, "the factory's password changed"
    for prefix in ("Bearer", "Token", "bearer"):
        client = APIClient(HTTP_AUTHORIZATION=f"{prefix} {token}")
        assert client.get(reverse("api-procedures")).status_code == 200, prefix
