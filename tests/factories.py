import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Location, User
from patients.models import Patient
from procedures.models import Procedure, ResourceKind
from scheduling.models import Certification, Closure, OpeningHours, Resource, StaffHours

PASSWORD = "test-pass-2026"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Branch {n}")
    address = "Moscow, Tverskaya 1"
    phone = "+7 495 123-45-67"
    time_zone = "Europe/Moscow"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()

    @factory.post_generation
    def locations(self, create, extracted, **kwargs):
        """UserFactory(locations=[...]): where a staff member works (none unless given)."""
        if extracted:
            self.locations.add(*extracted)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    full_name = factory.Sequence(lambda n: f"Patient Number{n} Testova")
    date_of_birth = datetime.date(1990, 1, 1)
    sex = "female"
    phone = factory.Sequence(lambda n: f"+7926{n:07d}")
    phone_digits = factory.LazyAttribute(lambda o: str(o.phone)[2:])
    email = "patient@example.com"
    home_location = factory.SubFactory(LocationFactory, name="Main branch")


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    """A location open on one weekday, 09:00-20:00 unless told."""

    class Meta:
        model = OpeningHours

    location = factory.SubFactory(LocationFactory, name="Main branch")
    weekday = 0
    opens = datetime.time(9)
    closes = datetime.time(20)


class StaffHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffHours

    clinician = factory.SubFactory(UserFactory, role="clinician")
    location = factory.SubFactory(LocationFactory, name="Main branch")
    weekday = 0
    starts = datetime.time(9)
    ends = datetime.time(18)


class ResourceFactory(factory.django.DjangoModelFactory):
    """A room or device of a seeded kind (by slug: treatment-room, nitrogen-dewar, cryo-device...)."""

    class Meta:
        model = Resource

    class Params:
        kind_slug = "treatment-room"

    location = factory.SubFactory(LocationFactory, name="Main branch")
    kind = factory.LazyAttribute(lambda o: ResourceKind.objects.get(slug=o.kind_slug))
    name = factory.Sequence(lambda n: f"Room {n}")


class CertificationFactory(factory.django.DjangoModelFactory):
    """A clinician certified for a procedure for a year from today."""

    class Meta:
        model = Certification

    clinician = factory.SubFactory(UserFactory, role="clinician")
    procedure = factory.LazyFunction(lambda: Procedure.objects.get(slug="cryomassage-contact"))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    location = factory.SubFactory(LocationFactory, name="Main branch")
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on)
    reason = "Repairs"


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)
