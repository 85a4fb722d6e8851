import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Location, User
from patients.models import Patient

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


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)
