"""Demo data for a laptop: one location, staff of every role, patients. Safe to run again."""

import datetime
import random

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.models import Location, User
from core.roles import Role
from patients.models import Patient, Sex
from patients.services import patient_register
from procedures.models import Contraindication, Procedure, ResourceKind, Screening
from procedures.services import ice_test_record, screening_sign
from scheduling.models import Certification, Course, OpeningHours, Resource, StaffHours
from scheduling.services import SessionSpec, course_book, course_preview

PASSWORD = "demo-pass-2026"
STAFF = [
    ("admin", "Анна", "Белова", Role.ADMINISTRATOR),
    ("registrar", "Регина", "Орлова", Role.REGISTRAR),
    ("doctor", "Ольга", "Лаврова", Role.CLINICIAN),
    ("doctor2", "Игорь", "Зимин", Role.CLINICIAN),
]
PORTAL_PATIENTS = [
    ("patient", "Мария Петровна Иванова", datetime.date(1988, 3, 14), Sex.FEMALE, "+79161234567"),
    ("patient2", "Елена Сергеевна Смирнова", datetime.date(1992, 7, 2), Sex.FEMALE, "+79167654321"),
]
FIRST = ["Алексей", "Дмитрий", "Сергей", "Андрей", "Наталья", "Ирина", "Светлана", "Татьяна", "Павел", "Юлия"]
LAST = ["Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Лебедев"]


class Command(BaseCommand):
    help = "Create demo users and patients (refuses to run with DEBUG off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates known passwords; it refuses to run with DEBUG off.")
        with transaction.atomic():
            location = self._location()
            staff = {
                username: self._user(username, first, last, role, location) for username, first, last, role in STAFF
            }
            self._portal_patients(location, staff["registrar"])
            self._more_patients(location, staff["registrar"])
            self._clinical_records(staff["doctor"])
            self._resources(location, [staff["doctor"], staff["doctor2"]])
            self._course(location, staff["registrar"])
            codes = self._admin_recovery_codes(staff["admin"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Logins: {', '.join(u for u, *_ in STAFF)}, patient, patient2; password {PASSWORD}\n"
                f"admin needs a second factor: use a recovery code ({', '.join(codes)}), "
                "then set up an authenticator app under Two-factor."
            )
        )

    def _admin_recovery_codes(self, admin) -> list[str]:
        """Administrators must pass a second factor; a laptop demo gets known one-time recovery codes."""
        device, _ = StaticDevice.objects.get_or_create(user=admin, name="recovery", defaults={"confirmed": True})
        codes = [f"demo2fa{n:02d}" for n in range(1, 11)]
        device.token_set.all().delete()
        for code in codes:
            device.token_set.create(token=code)
        return codes

    def _location(self) -> Location:
        location, _ = Location.objects.get_or_create(
            name="Клиника на Тверской",
            defaults={"address": "Москва, ул. Тверская, 1", "phone": "+7 495 123-45-67", "time_zone": "Europe/Moscow"},
        )
        return location

    def _user(self, username, first, last, role, location) -> User:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
        if created:
            user.set_password(PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=role))
        if role != Role.PATIENT:
            user.locations.add(location)
        return user

    def _portal_patients(self, location, registrar):
        for username, name, dob, sex, phone in PORTAL_PATIENTS:
            user = self._user(username, name.split()[0], name.split()[-1], Role.PATIENT, location)
            if not Patient.objects.filter(user=user).exists():
                patient = patient_register(
                    actor=registrar,
                    confirm_duplicate=True,
                    full_name=name,
                    date_of_birth=dob,
                    sex=sex,
                    phone=phone,
                    email=f"{username}@example.com",
                    consent_email=True,
                    consent_sms=True,
                    home_location=location,
                )
                Patient.objects.filter(pk=patient.pk).update(user=user)

    def _more_patients(self, location, registrar):
        rng = random.Random(2026)
        for i in range(40):
            phone = f"+7903{i:07d}"
            if Patient.objects.filter(phone=phone).exists():
                continue
            first, last = rng.choice(FIRST), rng.choice(LAST)
            female = first in {"Наталья", "Ирина", "Светлана", "Татьяна", "Юлия"}
            patient_register(
                actor=registrar,
                confirm_duplicate=True,
                full_name=f"{last}{'а' if female else ''} {first}",
                date_of_birth=datetime.date(1960 + rng.randrange(45), rng.randrange(1, 13), rng.randrange(1, 28)),
                sex=Sex.FEMALE if female else Sex.MALE,
                phone=phone,
                home_location=location,
                consent_email=False,
                consent_sms=bool(i % 2),
            )

    def _clinical_records(self, doctor):
        """The first portal patient is cleared for cryomassage; the second failed the ice test."""
        cryo = Procedure.objects.get(slug="cryomassage-contact")
        answers = {c.id: (False, "") for c in Contraindication.objects.filter(procedures=cryo, active=True)}
        when = timezone.now() - datetime.timedelta(days=2)
        for username, failed in (("patient", False), ("patient2", True)):
            patient = Patient.objects.get(user__username=username)
            if Screening.objects.filter(patient=patient).exists():
                continue
            screening_sign(
                actor=doctor,
                patient=patient,
                procedures=[cryo],
                answers=answers,
                fitzpatrick=2,
                complaints="Выпадение волос",
                examined_at=when,
            )
            ice_test_record(
                actor=doctor,
                patient=patient,
                area="Затылочная область",
                exposure_seconds=10,
                redness=failed,
                performed_at=when,
            )

    def _resources(self, location, doctors):
        for weekday in range(6):  # Monday to Saturday
            OpeningHours.objects.get_or_create(
                location=location, weekday=weekday, defaults={"opens": datetime.time(9), "closes": datetime.time(20)}
            )
        for slug, name in (
            ("treatment-room", "Кабинет 1"),
            ("treatment-room", "Кабинет 2"),
            ("nitrogen-dewar", "Дьюар А"),
            ("centrifuge", "Центрифуга"),
            ("cryo-device", "Криоаппарат"),
        ):
            Resource.objects.get_or_create(
                location=location, name=name, defaults={"kind": ResourceKind.objects.get(slug=slug)}
            )
        until = timezone.localdate() + datetime.timedelta(days=365)
        for doctor in doctors:
            for weekday in range(6):
                StaffHours.objects.get_or_create(
                    clinician=doctor,
                    weekday=weekday,
                    defaults={"location": location, "starts": datetime.time(9), "ends": datetime.time(19)},
                )
            for procedure in Procedure.objects.all():
                Certification.objects.get_or_create(
                    clinician=doctor, procedure=procedure, defaults={"valid_until": until}
                )

    def _course(self, location, registrar):
        """The first portal patient has a cryomassage course booked from tomorrow."""
        patient = Patient.objects.select_related("home_location").get(user__username="patient")
        if Course.objects.filter(patient=patient).exists():
            return
        cryo = Procedure.objects.get(slug="cryomassage-contact")
        plan = course_preview(
            patient=patient,
            procedure=cryo,
            location=location,
            count=10,
            first_day=timezone.localdate() + datetime.timedelta(days=1),
            preferred_time=datetime.time(11),
        )
        if plan.bookable:
            course_book(
                actor=registrar,
                patient=patient,
                procedure=cryo,
                location=location,
                specs=[SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
            )
        else:
            self.stderr.write("Demo course not booked: " + "; ".join(plan.problems))
