"""A check's standard photos: decoded and re-encoded without metadata, refused when not a picture or too
big, served only through the audited view, withdrawn (never deleted), erased only on anonymisation."""

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from PIL import Image

from audit.models import Action, AuditEvent
from records.services import anonymise_patient, export_patient
from results import services
from results.models import CheckKind, Photo, PhotoZone, ZoneMeasurement
from results.selectors import patient_photo_get
from tests.billing.conftest import deliver, make_course

from ..conftest import login
from ..factories import LocationFactory, UserFactory
from .conftest import make_check, make_trichoscopy

pytestmark = pytest.mark.django_db


def _jpeg(size=(64, 48), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 120)).save(out, format="JPEG", **save)
    return out.getvalue()


def _jpeg_with_gps(**kwargs) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (55.0, 45.0, 0.0), 3: "E", 4: (37.0, 37.0, 0.0)}  # GPSInfo: Moscow
    for tag, value in kwargs.items():
        exif[int(tag)] = value
    return _jpeg(exif=exif)


def _upload(data: bytes, name="IMG_0001.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def check(registrar, patient, cryo, clinician):
    course = make_course(registrar, patient, cryo, clinician=clinician)
    return make_check(course, kind=CheckKind.BASELINE, days_ago=1, clinician=clinician)


@pytest.fixture
def stranger(db):
    return UserFactory(username="far_doc", role="clinician", locations=[LocationFactory(name="Far branch")])


def _stored(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def test_a_jpeg_with_gps_comes_back_without_it(check, clinician):
    assert Image.open(io.BytesIO(_jpeg_with_gps())).getexif().get(0x8825)  # the test's photo has GPS
    client = login(clinician)
    answer = client.post(reverse("results:photo-upload", args=[check.pk]), {"photo-vertex": _upload(_jpeg_with_gps())})
    assert answer.status_code == 302
    photo = Photo.objects.get()
    served = b"".join(client.get(reverse("results:photo-file", args=[photo.pk])).streaming_content)
    assert served[:2] == b"\xff\xd8" and b"PhoneMaker" not in served and b"Exif" not in served
    assert dict(Image.open(io.BytesIO(served)).getexif()) == {}
    assert photo.sha256 == hashlib.sha256(served).hexdigest() and (photo.width, photo.height) == (64, 48)
    assert (photo.zone, photo.uploaded_by, photo.patient_id) == (PhotoZone.VERTEX, clinician, check.patient_id)


def test_the_thumbnail_is_made_once_and_served_audited(check, clinician):
    photo = services.photo_add(actor=clinician, check=check, zone=PhotoZone.FRONTAL, upload=_upload(_jpeg((1200, 800))))
    thumb = Image.open(io.BytesIO(_stored(photo.thumbnail)))
    assert thumb.size == (400, 267)
    answer = login(clinician).get(reverse("results:photo-thumb", args=[photo.pk]))
    assert answer.status_code == 200 and answer["Cache-Control"].startswith("no-store")
    assert AuditEvent.objects.filter(action=Action.VIEW, record_type="results.photo", detail__thumbnail=True).exists()


def test_the_photo_is_turned_upright_and_its_long_side_bounded(check, clinician):
    rotated = services.photo_add(
        actor=clinician, check=check, zone=PhotoZone.PARTING, upload=_upload(_jpeg_with_gps(**{"274": 6}))
    )
    assert (rotated.width, rotated.height) == (48, 64)  # orientation 6: the camera was held sideways
    wide = services.photo_add(
        actor=clinician, check=check, zone=PhotoZone.OCCIPITAL, upload=_upload(_jpeg((5000, 100)))
    )
    assert (wide.width, wide.height) == (4000, 80)


def test_a_php_file_renamed_jpg_is_refused_with_a_message(check, clinician):
    php = _upload(b"<?php system($_GET['c']); ?>", name="shell.php.jpg")
    with pytest.raises(ValidationError) as caught:
        services.photo_add(actor=clinician, check=check, zone=PhotoZone.VERTEX, upload=php)
    assert caught.value.error_dict["photo"][0].code == "photo_invalid"
    answer = login(clinician).post(
        reverse("results:photo-upload", args=[check.pk]),
        {"photo-vertex": _upload(b"<?php echo 1; ?>", name="x.jpg")},
        follow=True,
    )
    assert "x.jpg: This file is not a photo we can read" in answer.content.decode()
    assert not Photo.objects.exists()


def test_a_decompression_bomb_is_refused_with_a_message(check, clinician):
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG")  # 100 megapixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    with pytest.raises(ValidationError) as caught:
        services.photo_add(actor=clinician, check=check, zone=PhotoZone.VERTEX, upload=_upload(out.getvalue(), "b.png"))
    error = caught.value.error_dict["photo"][0]
    assert error.code == "photo_too_many_pixels" and "at most 50 megapixels" in error.messages[0]
    assert not Photo.objects.exists()


def test_an_oversized_upload_is_refused_with_a_message(check, clinician):
    big = _upload(_jpeg() + b"\0" * (15 * 1024 * 1024))
    with pytest.raises(ValidationError) as caught:
        services.photo_add(actor=clinician, check=check, zone=PhotoZone.VERTEX, upload=big)
    error = caught.value.error_dict["photo"][0]
    assert error.code == "photo_too_large" and "at most 15 MB" in error.messages[0]
    big.seek(0)
    answer = login(clinician).post(reverse("results:photo-upload", args=[check.pk]), {"photo-vertex": big}, follow=True)
    assert "The photo is too large: at most 15 MB." in answer.content.decode()
    assert not Photo.objects.exists()


def test_several_photos_of_a_zone_are_kept_and_a_bad_one_does_not_stop_the_others(check, clinician):
    answer = login(clinician).post(
        reverse("results:photo-upload", args=[check.pk]),
        {"photo-vertex": [_upload(_jpeg()), _upload(_jpeg())], "photo-closeup": _upload(b"nope", name="n.jpg")},
        follow=True,
    )
    assert Photo.objects.filter(zone=PhotoZone.VERTEX).count() == 2
    assert "Photos kept: 2." in answer.content.decode() and "n.jpg" in answer.content.decode()


def test_photos_answer_the_owner_only(check, clinician, registrar, stranger, patient_user, client):
    photo = services.photo_add(actor=clinician, check=check, zone=PhotoZone.VERTEX, upload=_upload(_jpeg()))
    url = reverse("results:photo-file", args=[photo.pk])
    assert login(clinician).get(url).status_code == 200
    assert login(registrar).get(url).status_code == 403  # the front desk sees no photos
    assert login(stranger).get(url).status_code == 404  # another location's
    assert login(patient_user).get(url).status_code == 403  # patients see theirs in the portal
    assert client.get(url).status_code == 302
    with pytest.raises(PermissionDenied):
        services.photo_add(actor=registrar, check=check, zone=PhotoZone.VERTEX, upload=_upload(_jpeg()))
    with pytest.raises(PermissionDenied):
        services.photo_add(actor=stranger, check=check, zone=PhotoZone.VERTEX, upload=_upload(_jpeg()))


def test_another_patients_photo_answers_404(check, clinician, other_patient, patient):
    photo = services.photo_add(actor=clinician, check=check, zone=PhotoZone.VERTEX, upload=_upload(_jpeg()))
    assert patient_photo_get(patient, photo.pk) == photo
    with pytest.raises(Http404):
        patient_photo_get(other_patient, photo.pk)


def test_a_withdrawn_photo_stops_showing_and_the_record_of_it_stays(check, clinician):
    photo = services.photo_add(actor=clinician, check=check, zone=PhotoZone.VERTEX, upload=_upload(_jpeg()))
    client = login(clinician)
    url = reverse("results:photo-withdraw", args=[photo.pk])
    client.post(url, {"reason": ""})
    assert Photo.objects.get().withdrawn_at is None
    assert client.post(url, {"reason": "Taken with the wrong light"}).status_code == 302
    photo.refresh_from_db()
    assert (photo.withdrawn_by, photo.withdrawal_reason) == (clinician, "Taken with the wrong light")
    assert client.get(reverse("results:photo-file", args=[photo.pk])).status_code == 404
    page = client.get(reverse("results:check", args=[check.pk])).content.decode()
    assert "Withdrawn photos (1)" in page and "Taken with the wrong light" in page
    assert AuditEvent.objects.filter(record_type="results.photo", record_id=photo.pk, detail__withdrawn=True).exists()
    with pytest.raises(ValidationError) as caught:
        services.photo_withdraw(actor=clinician, photo=photo, reason="again")
    assert caught.value.code == "already_withdrawn"


def test_the_clinician_marks_a_photo_without_a_face_as_publishable(check, clinician):
    photo = services.photo_add(actor=clinician, check=check, zone=PhotoZone.VERTEX, upload=_upload(_jpeg()))
    login(clinician).post(reverse("results:photo-publishable", args=[photo.pk]), {"publishable": "1"})
    photo.refresh_from_db()
    assert photo.publishable
    assert AuditEvent.objects.filter(record_id=photo.pk, detail__publishable=True).exists()


def test_anonymisation_erases_the_photo_files_and_keeps_the_figures(
    check, clinician, administrator, django_capture_on_commit_callbacks
):
    deliver(check.course, check.course.session_count)  # nothing to come: the patient may be anonymised
    make_trichoscopy(check, clinician=clinician, density=150, terminal="55.0")
    photo = services.photo_add(actor=clinician, check=check, zone=PhotoZone.VERTEX, upload=_upload(_jpeg()))
    storage, names = photo.image.storage, [photo.image.name, photo.thumbnail.name]
    exported = export_patient(actor=administrator, patient=check.patient)
    assert exported["trichoscopies"][0]["measurements"][0]["density"] == 150
    assert exported["results_photos"][0]["sha256"] == photo.sha256
    with django_capture_on_commit_callbacks(execute=True):
        anonymise_patient(actor=administrator, patient=check.patient, reason="Written request")
    photo.refresh_from_db()
    assert photo.erased_at is not None and not photo.image and not photo.thumbnail
    assert not any(storage.exists(name) for name in names)
    assert ZoneMeasurement.objects.get().density == 150
