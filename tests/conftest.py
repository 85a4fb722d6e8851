import pytest
from django.test import Client

from procedures.models import Contraindication, Procedure

from .factories import PASSWORD, LocationFactory, PatientFactory, UserFactory


@pytest.fixture(autouse=True)
def _english(settings):
    """Tests read messages in English unless a test switches language itself."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def location(db):
    return LocationFactory(name="Main branch")


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin1", role="administrator")


@pytest.fixture
def registrar(location):
    """A registrar who works at the main branch (staff attached to no location work at none)."""
    return UserFactory(username="registrar1", role="registrar", locations=[location])


@pytest.fixture
def clinician(location):
    return UserFactory(username="clinician1", role="clinician", locations=[location])


@pytest.fixture
def patient_user(db):
    return UserFactory(username="patient1", role="patient")


@pytest.fixture
def patient(location, patient_user):
    return PatientFactory(
        home_location=location,
        user=patient_user,
        full_name="Maria Petrovna Ivanova",
        phone="+79161234567",
        phone_digits="9161234567",
    )


@pytest.fixture
def other_patient(location):
    return PatientFactory(home_location=location, full_name="Elena Smirnova")


def login(user, password: str = PASSWORD) -> Client:
    """Sign in the way a person does: the login form, then a second factor where one is owed."""
    from django.urls import reverse

    client = Client()
    if user.has_role("administrator"):  # administrators must pass a second factor: give them a recovery code
        from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

        device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
        code = StaticToken.random_token()
        device.token_set.create(token=code)
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302, f"signing in {user} failed: {response.status_code}"
    if user.has_role("administrator"):
        verified = client.post(reverse("two-factor-verify"), {"code": code})
        assert verified.status_code == 302, verified.status_code
    return client


@pytest.fixture
def as_registrar(registrar):
    return login(registrar)


@pytest.fixture
def as_clinician(clinician):
    return login(clinician)


@pytest.fixture
def cryo(db):
    return Procedure.objects.get(slug="cryomassage-contact")


@pytest.fixture
def cryo_contraindications(cryo):
    return list(Contraindication.objects.filter(procedures=cryo, active=True).order_by("slug"))


@pytest.fixture
def all_absent(cryo_contraindications):
    return {c.id: (False, "") for c in cryo_contraindications}
