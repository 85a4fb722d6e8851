"""The results API: a course's checks, a check with its versions, corrections, photos (multipart), withdrawal."""

import io

import pytest
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from audit.models import Action, AuditEvent
from results.models import Check, Photo
from tests.billing.conftest import make_course

from ..accounts.test_api_matrix import _client
from ..factories import LocationFactory, UserFactory

pytestmark = pytest.mark.django_db

BODY = {
    "kind": "baseline",
    "trichoscopy": {
        "method": "phototrichogram",
        "device": "FotoFinder",
        "scale": "hamilton",
        "grade": "3v",
        "measurements": [
            {"zone": "frontoparietal", "density": 170, "terminal_share": "61.0", "vellus_share": "39.0"},
            {"zone": "occipital", "density": 240, "anagen_share": "86.0", "telogen_share": "12.0"},
        ],
    },
}


@pytest.fixture
def course(registrar, patient, cryo, clinician):
    return make_course(registrar, patient, cryo, clinician=clinician)


@pytest.fixture
def api(clinician):
    return _client(clinician)


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (55.0, 45.0, 0.0), 3: "E", 4: (37.0, 37.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (90, 60, 40)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _created(api, course, body=BODY) -> dict:
    answer = api.post(reverse("api-course-checks", args=[course.pk]), body, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_a_check_is_recorded_and_read_back_with_its_figures(api, course):
    check = _created(api, course)
    assert check["kind"] == "baseline" and check["trichoscopy"]["version"] == 1
    figures = {m["zone"]: m for m in check["trichoscopy"]["measurements"]}
    assert figures["frontoparietal"]["density"] == 170 and figures["occipital"]["telogen_share"] == "12.0"
    listed = api.get(reverse("api-course-checks", args=[course.pk])).json()
    assert [c["id"] for c in listed] == [check["id"]]
    assert AuditEvent.objects.filter(action=Action.VIEW_LIST, record_type="results.check").exists()
    detail = api.get(reverse("api-check", args=[check["id"]])).json()
    assert len(detail["versions"]) == 1
    assert AuditEvent.objects.filter(action=Action.VIEW, record_id=check["id"], detail__api=True).exists()


def test_figures_that_cannot_be_right_answer_a_code_and_the_field(api, course):
    body = {**BODY, "trichoscopy": {**BODY["trichoscopy"], "grade": "IX"}}
    body["trichoscopy"]["measurements"] = [
        {"zone": "frontoparietal", "density": 170, "terminal_share": "90", "vellus_share": "40"}
    ]
    answer = api.post(reverse("api-course-checks", args=[course.pk]), body, format="json")
    error = answer.json()["error"]
    assert answer.status_code == 400 and error["code"] in {"grade_not_of_scale", "shares_sum"}
    assert set(error["fields"]) == {"grade", "frontoparietal-vellus_share"}
    assert not Check.objects.exists()


def test_a_correction_needs_a_reason_and_becomes_the_next_version(api, course):
    check = _created(api, course)
    url = reverse("api-check-amend", args=[check["id"]])
    answer = api.post(url, {**BODY["trichoscopy"], "amendment_reason": ""}, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "amendment_reason_required"
    answer = api.post(url, {**BODY["trichoscopy"], "amendment_reason": "Nothing changed"}, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "unchanged"
    recounted = {**BODY["trichoscopy"], "notes": "Occipital recounted on the second image"}
    answer = api.post(url, {**recounted, "amendment_reason": "Occipital recounted"}, format="json")
    assert answer.status_code == 201
    versions = answer.json()["versions"]
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["amendment_reason"] == "Occipital recounted"


def test_a_check_recorded_without_trichoscopy_gets_it_later_and_cannot_be_amended_before(api, course):
    check = _created(api, course, {"kind": "baseline"})
    assert check["trichoscopy"] is None
    amend = api.post(
        reverse("api-check-amend", args=[check["id"]]), {**BODY["trichoscopy"], "amendment_reason": "x"}, format="json"
    )
    assert amend.status_code == 400 and amend.json()["error"]["code"] == "no_trichoscopy"
    signed = api.post(reverse("api-check-trichoscopy", args=[check["id"]]), BODY["trichoscopy"], format="json")
    assert signed.status_code == 201 and signed.json()["trichoscopy"]["grade"] == "3v"


def test_a_second_baseline_is_refused_with_its_code(api, course):
    _created(api, course)
    answer = api.post(reverse("api-course-checks", args=[course.pk]), BODY, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "check_exists"


def test_a_photo_is_uploaded_as_multipart_and_comes_back_without_gps(api, course, clinician):
    check = _created(api, course)
    url = reverse("api-check-photos", args=[check["id"]])
    answer = api.post(url, {"zone": "vertex", "photo": io.BytesIO(_jpeg_with_gps())}, format="multipart")
    assert answer.status_code == 201, answer.content
    photo = answer.json()
    assert photo["url"] == reverse("results:photo-file", args=[photo["id"]])
    with Photo.objects.get().image.open("rb") as stored:
        assert dict(Image.open(stored).getexif()) == {}
    listed = api.get(reverse("api-check", args=[check["id"]])).json()
    assert [p["id"] for p in listed["photos"]] == [photo["id"]]


def test_a_photo_that_is_not_an_image_answers_photo_invalid(api, course):
    check = _created(api, course)
    url = reverse("api-check-photos", args=[check["id"]])
    answer = api.post(url, {"zone": "vertex", "photo": io.BytesIO(b"<?php echo 1; ?>")}, format="multipart")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "photo_invalid"
    assert "not a photo we can read" in answer.json()["error"]["fields"]["photo"][0]


def test_a_body_past_the_photo_limit_is_refused_unread(api, course):
    check = _created(api, course)
    url = reverse("api-check-photos", args=[check["id"]])
    big = io.BytesIO(b"\xff\xd8" + b"0" * (16 * 1024 * 1024))
    answer = api.post(url, {"zone": "vertex", "photo": big}, format="multipart")
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "request_too_large"


def test_a_photo_upload_takes_multipart_only(api, course):
    check = _created(api, course)
    url = reverse("api-check-photos", args=[check["id"]])
    assert api.post(url, {"zone": "vertex", "photo": "aGVsbG8="}, format="json").status_code == 415
    bare = api.post(url, b"--x\r\n", content_type="multipart/form-data")  # no boundary: refused, not a 500
    assert bare.status_code == 415 and bare.json()["error"]["code"] == "unsupported_media_type"


def test_a_photo_is_withdrawn_with_a_reason(api, course):
    check = _created(api, course)
    photo = api.post(
        reverse("api-check-photos", args=[check["id"]]),
        {"zone": "vertex", "photo": io.BytesIO(_jpeg_with_gps())},
        format="multipart",
    ).json()
    url = reverse("api-photo-withdraw", args=[photo["id"]])
    answer = api.post(url, {"reason": ""}, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "withdrawal_reason_required"
    assert api.post(url, {"reason": "Blurred"}, format="json").status_code == 200
    assert api.post(url, {"reason": "Blurred"}, format="json").status_code == 404  # no longer shown


def test_the_api_answers_the_owner_only(api, course, registrar):
    check = _created(api, course)
    far = UserFactory(username="far_doc", role="clinician", locations=[LocationFactory(name="Far branch")])
    for url in (reverse("api-check", args=[check["id"]]), reverse("api-course-checks", args=[course.pk])):
        assert _client(far).get(url).status_code == 404
        assert _client(registrar).get(url).status_code == 403
        assert APIClient().get(url).status_code == 401
    assert _client(far).post(reverse("api-course-checks", args=[course.pk]), BODY, format="json").status_code == 404


def test_the_course_checks_list_runs_as_many_queries_whatever_the_checks(api, course):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("api-course-checks", args=[course.pk])
    _created(api, course)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url).status_code == 200
        return len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]])

    one = count()
    for n in (3, 6):
        _created(api, course, {**BODY, "kind": "checkpoint", "after_session": n})
    assert count() == one <= 14
