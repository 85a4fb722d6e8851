"""Demo data for a laptop: one location, staff of every role, patients, their consents, a course
with a session under way. Safe to run again."""

import base64
import datetime
import io
import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from PIL import Image, ImageDraw

from accounts.models import Location, User
from consents.models import Consent, ConsentTemplate, Decision, Method, text_hash
from consents.selectors import current_version, personal_data_version
from consents.services import consent_record_in_clinic, personal_data_record
from core.roles import Role
from patients.models import Patient, Sex
from patients.services import patient_register
from procedures.models import Contraindication, Procedure, ResourceKind, Screening
from procedures.services import ice_test_record, screening_sign
from results.models import Check, CheckKind, PhotoZone
from results.models import Method as TrichoscopyMethod
from results.services import check_create, photo_add
from results.validation import Figures, Reading
from scheduling.models import (
    Certification,
    Course,
    CourseStatus,
    Dewar,
    OpeningHours,
    Resource,
    ResourceBooking,
    Session,
    SessionStatus,
    StaffHours,
)
from scheduling.services import SessionSpec, course_book, course_preview
from scheduling.services.dewars import nitrogen_reading_record

PASSWORD = "demo-pass-2026"
STAFF = [
    ("admin", "Анна", "Белова", Role.ADMINISTRATOR),
    ("registrar", "Регина", "Орлова", Role.REGISTRAR),
    ("doctor", "Ольга", "Лаврова", Role.CLINICIAN),
    ("doctor2", "Игорь", "Зимин", Role.CLINICIAN),
]
PORTAL_PATIENTS = [
    ("patient", "Иванова Мария Петровна", datetime.date(1988, 3, 14), Sex.FEMALE, "+79161234567"),
    ("patient2", "Смирнова Елена Сергеевна", datetime.date(1992, 7, 2), Sex.FEMALE, "+79167654321"),
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
            self._clinic_rules()
            self._course(location, staff["registrar"])
            self._unsigned_course(location, staff["registrar"], staff["doctor"])
            self._consents(staff["registrar"], staff["doctor"])
            self._today(staff["doctor"])
            self._nitrogen(location, staff["doctor"])
            self._results(location, staff["registrar"], staff["doctor"])
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
            last, first = name.split()[:2]  # stored as official papers write it: the surname first
            user = self._user(username, first, last, Role.PATIENT, location)
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

    def _clinic_rules(self):
        """The demo clinic asks for a signed consent before the first cryomassage and a note for each
        session (each clinic chooses; the catalogue ships with neither)."""
        Procedure.objects.filter(slug="cryomassage-contact").update(
            consent_required="session", requires_session_note=True
        )

    def _nitrogen(self, location, doctor):
        """The demo dewar: 35 l, its measured loss, a refill three days ago and a weighing this
        morning; the cryomassages use half a litre a session (a demo figure: each clinic measures its own)."""
        Procedure.objects.filter(slug__startswith="cryomassage", nitrogen_litres_per_session=0).update(
            nitrogen_litres_per_session=Decimal("0.5")
        )
        dewar, created = Dewar.objects.get_or_create(
            resource=Resource.objects.get(location=location, name="Дьюар А"),
            defaults={
                "capacity_litres": Decimal("35"),
                "daily_loss_litres": Decimal("0.6"),
                "first_cooldown_litres": Decimal("0.4"),
                "reserve_litres": Decimal("5"),
                "refill_lead_days": 2,
            },
        )
        if created:
            now = timezone.now()
            for kind, litres, ago in (
                ("refill", "30", datetime.timedelta(days=3)),
                ("weighing", "26.5", datetime.timedelta(hours=2)),
            ):
                nitrogen_reading_record(actor=doctor, dewar=dewar, kind=kind, litres=litres, measured_at=now - ago)

    def _course(self, location, registrar, patient=None):
        """The first portal patient has a cryomassage course booked from tomorrow."""
        patient = patient or Patient.objects.select_related("home_location").get(user__username="patient")
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

    def _unsigned_course(self, location, registrar, doctor):
        """A cleared patient with a course and no consent yet: the worklist says "consent missing"."""
        patient = Patient.objects.select_related("home_location").get(phone=UNSIGNED_PHONE)
        cryo = Procedure.objects.get(slug="cryomassage-contact")
        if not Screening.objects.filter(patient=patient).exists():
            when = timezone.now() - datetime.timedelta(days=1)
            answers = {c.id: (False, "") for c in Contraindication.objects.filter(procedures=cryo, active=True)}
            screening_sign(
                actor=doctor,
                patient=patient,
                procedures=[cryo],
                answers=answers,
                fitzpatrick=3,
                complaints="Перхоть, зуд кожи головы",
                examined_at=when,
            )
            ice_test_record(
                actor=doctor, patient=patient, area="Затылочная область", exposure_seconds=10, performed_at=when
            )
        self._course(location, registrar, patient)

    def _consents(self, registrar, doctor):
        """Every demo patient gave the personal-data consent at registration; most signed the
        cryomassage consent in the clinic, the doctor witnessing (the first portal patient by hand on
        the screen); the patient of _unsigned_course has not."""
        pd_version = personal_data_version()
        cryo_form = ConsentTemplate.objects.filter(procedure__slug="cryomassage-contact").first()
        signed = set(Consent.objects.values_list("patient_id", "template_id"))
        for patient in Patient.objects.order_by("pk"):
            if pd_version is not None and (patient.pk, pd_version.template_id) not in signed:
                personal_data_record(patient=patient, version=pd_version, method=Method.REGISTRATION, actor=registrar)
            if cryo_form is None or patient.phone == UNSIGNED_PHONE or (patient.pk, cryo_form.pk) in signed:
                continue
            if patient.phone.as_e164.startswith("+7903") and patient.pk % 3 == 0:
                continue  # a few have not come in yet
            self._sign_in_clinic(doctor, patient, cryo_form, drawn=patient.user_id is not None)

    def _sign_in_clinic(self, doctor, patient, form, *, drawn: bool):
        version = current_version(form)
        signature = {"signature": _drawn_signature()} if drawn else {"typed_name": patient.full_name, "ticked": True}
        consent_record_in_clinic(
            actor=doctor,
            patient=patient,
            template=form,
            version_id=version.pk,
            shown_hash=text_hash(version.text("ru")),
            language="ru",
            decision=Decision.SIGNED,
            witnessed=True,
            **signature,
        )

    def _today(self, doctor):
        """The doctor's day: the first portal patient's session started ten minutes ago (to complete,
        with its note), then the unsigned patient's. No service writes a session into the past, so
        the demo moves the next booked ones there (the database still refuses any clash)."""
        now, tz = timezone.now(), doctor.locations.first().tz
        today = timezone.localdate(now, tz)
        starts = [
            (Q(user__username="patient"), max(now - datetime.timedelta(minutes=10), _midnight(today, tz))),
            (Q(phone=UNSIGNED_PHONE), _later_today(now, tz, datetime.timedelta(minutes=40))),
        ]
        for who, start in starts:
            sessions = Session.objects.filter(patient__in=Patient.objects.filter(who), status=SessionStatus.SCHEDULED)
            if sessions.on_local_day(today, tz).exists():
                continue
            session = sessions.filter(start__gt=now).order_by("start").first()
            if session is not None:
                self._move(session, start, doctor)

    def _move(self, session, start, doctor):
        shift = start - session.start
        try:
            with transaction.atomic():
                ResourceBooking.objects.filter(session=session).update(start=F("start") + shift, end=F("end") + shift)
                Session.objects.filter(pk=session.pk).update(
                    start=F("start") + shift, end=F("end") + shift, clinician=doctor
                )
        except IntegrityError:
            self.stderr.write(f"Demo session {session.pk} not moved to today: it would clash.")

    def _results(self, location, registrar, doctor):
        """A patient's completed course two months back with its first and last checks (figures, photos)."""
        patient = Patient.objects.get(phone=RESULTS_PHONE)
        if Check.objects.filter(patient=patient).exists():
            return
        cryo = Procedure.objects.get(slug="cryomassage-contact")
        first = _midnight(timezone.localdate() - datetime.timedelta(days=70), location.tz) + datetime.timedelta(hours=8)
        course = Course.objects.create(
            patient=patient,
            procedure=cryo,
            location=location,
            status=CourseStatus.COMPLETED,
            session_count=10,
            price_per_session=cryo.price_per_session,
            discount_percent=cryo.course_discount_percent,
            total_price=cryo.price_per_session * 10 * (100 - cryo.course_discount_percent) / 100,
            created_by=registrar,
        )
        for n in range(10):  # delivered in the past: no booking service writes there, so the rows directly
            start = first + datetime.timedelta(days=3 * n)
            Session.objects.create(
                course=course,
                patient=patient,
                location=location,
                clinician=doctor,
                start=start,
                end=start + datetime.timedelta(minutes=20),
                status=SessionStatus.COMPLETED,
                outcome_at=start,
            )
        for kind, when, density, terminal in (
            (CheckKind.BASELINE, first - datetime.timedelta(minutes=30), 148, "54.0"),
            (CheckKind.FINAL, first + datetime.timedelta(days=28, hours=1), 171, "63.5"),
        ):
            share = Decimal(terminal)
            figures = Figures(density, share, 100 - share, Decimal("57.0"), Decimal("82.0"), Decimal("15.0"))
            reading = Reading(
                method=TrichoscopyMethod.TRICHOSCOPY,
                device="Aramo SG",
                zones={"frontoparietal": figures},
                **(
                    {"scale": "ludwig", "grade": "I"}
                    if patient.sex == Sex.FEMALE
                    else {"scale": "hamilton", "grade": "3"}
                ),
            )
            check = check_create(actor=doctor, course=course, kind=kind, taken_at=when, reading=reading)
            for zone, shade in ((PhotoZone.VERTEX, density), (PhotoZone.FRONTAL, density - 20)):
                photo_add(actor=doctor, check=check, zone=zone, upload=_demo_photo(shade))


def _demo_photo(shade: int) -> ContentFile:
    """A generated stand-in for a scalp photo: skin tone with dark strands, denser for a higher `shade`."""
    rng = random.Random(shade)
    image = Image.new("RGB", (800, 600), (222, 190, 170))
    draw = ImageDraw.Draw(image)
    for _ in range(shade * 4):
        x, y = rng.randrange(800), rng.randrange(600)
        draw.line((x, y, x + rng.randrange(-12, 12), y + rng.randrange(20, 60)), fill=(60, 40, 30), width=2)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return ContentFile(out.getvalue(), name="demo.jpg")


UNSIGNED_PHONE = "+79030000001"
RESULTS_PHONE = "+79030000002"


def _midnight(day, tz):
    return datetime.datetime.combine(day, datetime.time(0, 1), tzinfo=tz)


def _later_today(now, tz, gap):
    """`gap` after now, or before it when that would be tomorrow (a demo run late at night)."""
    later = now + gap
    return later if timezone.localdate(later, tz) == timezone.localdate(now, tz) else now - gap


def _drawn_signature() -> str:
    """A hand-drawn-looking stroke as the tablet page sends it (a PNG data URL)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    points = [(30, 140), (90, 60), (140, 150), (200, 70), (260, 140), (330, 80), (400, 150), (480, 60), (560, 120)]
    ImageDraw.Draw(image).line(points, fill=(20, 20, 60, 255), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
