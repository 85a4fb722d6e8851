import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from consents.models import Requirement
from core import dates


class Bilingual(models.Model):
    """A catalogue entry named in Russian and English; `name` follows the active language."""

    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (a patient's texts run under her own: see name_for)."""
        return self.name_for(get_language())

    def name_for(self, language: str | None) -> str:
        """The name a reader of `language` sees: English for "en...", Russian otherwise (and when the
        English name is missing)."""
        if (language or "ru").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ru


class ResourceKind(Bilingual):
    """A kind of room or device a procedure needs: a treatment room, a nitrogen dewar, a centrifuge."""

    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("resource kind")
        verbose_name_plural = _("resource kinds")


class FitzpatrickType(models.IntegerChoices):
    I = 1, "I"  # noqa: E741
    II = 2, "II"
    III = 3, "III"
    IV = 4, "IV"
    V = 5, "V"
    VI = 6, "VI"


class Procedure(Bilingual):
    slug = models.SlugField(unique=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    preparation_ru = models.TextField(_("what to do before (Russian)"), blank=True)
    preparation_en = models.TextField(_("what to do before (English)"), blank=True)
    aftercare_ru = models.TextField(_("aftercare and warning signs (Russian)"), blank=True)
    aftercare_en = models.TextField(_("aftercare and warning signs (English)"), blank=True)
    # The SMS texts are short by design: a reminder or aftercare SMS must fit in two parts (core.sms).
    sms_name_ru = models.CharField(
        _("name in SMS (Russian)"), max_length=30, blank=True, help_text=_("Short: reminders by SMS use it.")
    )
    sms_name_en = models.CharField(_("name in SMS (English)"), max_length=30, blank=True)
    aftercare_sms_ru = models.CharField(
        _("aftercare by SMS (Russian)"),
        max_length=100,
        blank=True,
        help_text=_("The advice and warning signs in brief; the SMS adds the clinic's name and phone."),
    )
    aftercare_sms_en = models.CharField(_("aftercare by SMS (English)"), max_length=100, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("session duration, minutes"), validators=[MinValueValidator(5)]
    )
    min_sessions = models.PositiveSmallIntegerField(_("fewest sessions in a course"), validators=[MinValueValidator(1)])
    max_sessions = models.PositiveSmallIntegerField(_("most sessions in a course"), validators=[MinValueValidator(1)])
    spacing_days = models.PositiveSmallIntegerField(
        _("days between sessions"), default=2, help_text=_("2 means alternate days."), validators=[MinValueValidator(1)]
    )
    max_gap_days = models.PositiveSmallIntegerField(_("largest gap allowed, days"), default=4)
    price_per_session = models.DecimalField(_("price per session, RUB"), max_digits=10, decimal_places=2)
    course_discount_percent = models.DecimalField(
        _("course discount, %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    requires_ice_test = models.BooleanField(_("requires a passed ice test"), default=False)
    screening_valid_days = models.PositiveSmallIntegerField(_("a screening stays valid, days"), default=30)
    ice_test_valid_days = models.PositiveSmallIntegerField(_("an ice test stays valid, days"), default=30)
    ice_test_min_hours_before = models.PositiveSmallIntegerField(
        _("hours between the ice test and the first session, at least"), default=24
    )
    combined_lead_minutes = models.PositiveSmallIntegerField(
        _("when combined, ends this many minutes before the other procedure"), null=True, blank=True
    )
    requires_certification = models.BooleanField(_("clinician must be certified"), default=True)
    # A course may outlast the validity periods (plasmolifting: 4 sessions 14 days apart). When set, a
    # screening and an ice test valid at the first session cover every session of the course.
    records_cover_course = models.BooleanField(
        _("a screening valid at the first session covers the whole course"), default=False
    )
    requires_session_note = models.BooleanField(
        _("a session note is required before a session is marked completed"), default=False
    )
    allow_concurrent_courses = models.BooleanField(
        _("a patient may have several active courses of this procedure"), default=False
    )
    resource_kinds = models.ManyToManyField(
        ResourceKind, blank=True, related_name="procedures", verbose_name=_("rooms and devices needed")
    )
    consent_required = models.CharField(
        _("signed consent needed"),
        max_length=10,
        choices=Requirement.choices,
        default=Requirement.NONE,
        blank=True,
        help_text=_("Without it the session cannot be marked completed; before booking: nor can it be booked."),
    )
    # Cryotherapy after a laser, peel or microdermabrasion (DOMAIN.md): the booking names that
    # treatment, and the course starts within its healing phase.
    follows_skin_treatment = models.BooleanField(
        _("follows a laser, peel or microdermabrasion"),
        default=False,
        help_text=_("Booking a course asks for the kind and date of that treatment."),
    )
    healing_phase_days = models.PositiveSmallIntegerField(
        _("healing phase, days"),
        default=14,
        validators=[MinValueValidator(1)],
        help_text=_(
            "The first session should fall within this many days of the treatment it follows; "
            "a later one asks the administrator to confirm."
        ),
    )
    phototype_warning_from = models.PositiveSmallIntegerField(
        _("warn from Fitzpatrick skin type"),
        choices=FitzpatrickType.choices,
        null=True,
        blank=True,
        help_text=_("Patients of this phototype or darker are at higher risk of pigmentation: a warning is shown."),
    )
    nitrogen_litres_per_session = models.DecimalField(
        _("liquid nitrogen a session, litres"),
        max_digits=5,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
        help_text=_("As the clinic measured it; the dewar's forecast counts it for every booked session."),
    )
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_sessions__lte=F("max_sessions")),
                name="procedure_session_range",
                violation_error_message=_("The most sessions in a course cannot be fewer than the fewest."),
            ),
            models.CheckConstraint(
                condition=Q(spacing_days__lte=F("max_gap_days")),
                name="procedure_gap_range",
                violation_error_message=_("The largest gap cannot be shorter than the days between sessions."),
            ),
            models.CheckConstraint(
                condition=Q(course_discount_percent__gte=0, course_discount_percent__lte=100),
                name="procedure_discount_range",
                violation_error_message=_("The course discount must be from 0 to 100%%."),
            ),
            models.CheckConstraint(
                condition=Q(price_per_session__gte=0),
                name="procedure_price_not_negative",
                violation_error_message=_("The price per session cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(healing_phase_days__gte=1),
                name="procedure_healing_phase_positive",
                violation_error_message=_("The healing phase must be at least one day."),
            ),
        ]

    @property
    def description(self) -> str:
        return self.description_en if (get_language() or "ru").startswith("en") else self.description_ru

    @property
    def aftercare(self) -> str:
        return self.aftercare_en if (get_language() or "ru").startswith("en") else self.aftercare_ru

    @property
    def preparation(self) -> str:
        return self.preparation_en if (get_language() or "ru").startswith("en") else self.preparation_ru

    @property
    def sms_name(self) -> str:
        """The short name an SMS uses; the full name when none is set."""
        english = (get_language() or "ru").startswith("en")
        return (self.sms_name_en if english else self.sms_name_ru) or self.name

    @property
    def aftercare_sms(self) -> str:
        return self.aftercare_sms_en if (get_language() or "ru").startswith("en") else self.aftercare_sms_ru

    def clean(self):
        if self.min_sessions and self.max_sessions and self.min_sessions > self.max_sessions:
            raise ValidationError({"max_sessions": _("Must not be fewer than the fewest sessions.")})
        if self.spacing_days and self.max_gap_days is not None and self.max_gap_days < self.spacing_days:
            raise ValidationError({"max_gap_days": _("Must not be shorter than the days between sessions.")})


class Severity(models.TextChoices):
    ABSOLUTE = "absolute", _("absolute: blocks the procedure")
    RELATIVE = "relative", _("relative: a clinician may clear it with a reason")


class Contraindication(Bilingual):
    slug = models.SlugField(unique=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.ABSOLUTE)
    procedures = models.ManyToManyField(Procedure, related_name="contraindications", verbose_name=_("procedures"))
    active = models.BooleanField(_("in use"), default=True)
    # Seeded from general clinical references: asked at screening at once, and listed for the
    # clinic's doctor to review (and untick) in the admin.
    needs_review = models.BooleanField(_("to be reviewed by the clinic's doctor"), default=False)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("contraindication")
        verbose_name_plural = _("contraindications")


class Indication(Bilingual):
    slug = models.SlugField(unique=True)
    procedures = models.ManyToManyField(Procedure, related_name="indications", verbose_name=_("procedures"))
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("indication")
        verbose_name_plural = _("indications")


def plausible_moment(field: str, name: str, message) -> models.CheckConstraint:
    """The database's last word on a record's time (core.dates.RECORD is the app's, stricter one):
    not before 2000 and not in the future, so no value Python cannot read gets in."""
    earliest = datetime.datetime.combine(dates.EARLIEST_RECORD, datetime.time(), tzinfo=datetime.UTC)
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": earliest, f"{field}__lte": Now() + datetime.timedelta(days=1)}),
        name=name,
        violation_error_message=message,
    )


class VersionedRecord(models.Model):
    """A medical record that is never edited: a correction is a new version of the same chain."""

    chain = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveSmallIntegerField(default=1, editable=False)
    amends = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amended_by", editable=False
    )
    amendment_reason = models.TextField(_("reason for the correction"), blank=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        abstract = True


VERSION_TAKEN = _("This version has already been corrected; amend the newest version.")
AMENDS_NAMED = _("A correction must name the version it corrects, and the first version corrects none.")


def versioned_constraints(
    prefix: str, reason_message, *, version_message=VERSION_TAKEN, amends_message=AMENDS_NAMED
) -> list[models.BaseConstraint]:
    """The rules every VersionedRecord's table keeps: one row per version of a chain, a correction
    names the version it corrects (the first none), and says why."""
    return [
        models.UniqueConstraint(
            fields=["chain", "version"], name=f"{prefix}_chain_version_unique", violation_error_message=version_message
        ),
        models.CheckConstraint(
            condition=Q(version=1, amends__isnull=True) | Q(version__gt=1, amends__isnull=False),
            name=f"{prefix}_version_amends",
            violation_error_message=amends_message,
        ),
        models.CheckConstraint(
            condition=Q(version=1) | ~Q(amendment_reason=""),
            name=f"{prefix}_amendment_has_reason",
            violation_error_message=reason_message,
        ),
    ]


class Screening(VersionedRecord):
    """A trichologist's contraindication screening, signed. One row per version."""

    examined_at = models.DateTimeField(_("examined at"))
    procedures = models.ManyToManyField(
        Procedure, through="ScreeningProcedure", related_name="screenings", verbose_name=_("procedures")
    )
    indications = models.ManyToManyField(
        Indication, through="ScreeningIndication", blank=True, related_name="+", verbose_name=_("indications found")
    )
    complaints = models.TextField(_("complaints"), blank=True)
    scalp_notes = models.TextField(_("scalp and hair notes"), blank=True)
    fitzpatrick = models.PositiveSmallIntegerField(_("Fitzpatrick skin type"), choices=FitzpatrickType.choices)
    cleared = models.BooleanField(_("clearance"))

    class Meta:
        ordering = ["-examined_at", "-version"]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        constraints = [
            *versioned_constraints("screening", _("Say why the screening is corrected.")),
            plausible_moment(
                "examined_at",
                "screening_examined_at_plausible",
                _("The time of the examination must be from 1 January 2000 to now."),
            ),
        ]
        indexes = [models.Index(fields=["patient", "-examined_at"])]

    def __str__(self):
        return f"{self.patient} {self.examined_at:%Y-%m-%d} v{self.version}"

    @property
    def moment(self) -> datetime.datetime:
        return self.examined_at

    @property
    def moment_is_plausible(self) -> bool:
        """False for a time stored before the range was enforced (shown, and corrected by an amendment)."""
        return dates.RECORD.contains(self.examined_at)


# The links of a signed screening are part of it. PROTECT on both sides: a catalogue entry a signed
# screening names is withdrawn (its "offered" / "in use" box), never deleted; the database triggers
# (migration 0006) refuse UPDATE and DELETE of the rows, and INSERT after the screening was signed.
# The tables keep the names Django gave them when these were automatic many-to-many tables.
class ScreeningProcedure(models.Model):
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "procedures_screening_procedures"
        unique_together = [("screening", "procedure")]  # the constraint the automatic table has
        verbose_name = _("procedure of a signed screening")
        verbose_name_plural = _("procedures of signed screenings")

    def __str__(self):
        return f"{self.screening_id}: {self.procedure_id}"


class ScreeningIndication(models.Model):
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="+")
    indication = models.ForeignKey(Indication, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "procedures_screening_indications"
        unique_together = [("screening", "indication")]
        verbose_name = _("indication of a signed screening")
        verbose_name_plural = _("indications of signed screenings")

    def __str__(self):
        return f"{self.screening_id}: {self.indication_id}"


class ScreeningAnswer(models.Model):
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="answers")
    contraindication = models.ForeignKey(Contraindication, on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(max_length=10, choices=Severity.choices)  # as it was when signed
    present = models.BooleanField()
    override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["contraindication__slug"]
        verbose_name = _("answer of a signed screening")
        verbose_name_plural = _("answers of signed screenings")
        constraints = [
            models.UniqueConstraint(
                fields=["screening", "contraindication"],
                name="screening_answer_unique",
                violation_error_message=_("Each contraindication may be answered once."),
            ),
            models.CheckConstraint(
                condition=Q(override_reason="") | Q(present=True, severity=Severity.RELATIVE),
                name="screening_override_only_relative_present",
                violation_error_message=_(
                    "A reason to clear can only be given for a relative contraindication that is present."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.contraindication}: {'present' if self.present else 'absent'}"


class IceTest(VersionedRecord):
    """A short cold application before cryomassage; passed only when nothing was observed."""

    performed_at = models.DateTimeField(_("performed at"))
    area = models.CharField(_("area"), max_length=200)
    exposure_seconds = models.PositiveSmallIntegerField(
        _("exposure, seconds"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    discomfort = models.BooleanField(_("discomfort"), default=False)
    redness = models.BooleanField(_("redness"), default=False)
    itching = models.BooleanField(_("itching"), default=False)
    other_reaction = models.TextField(_("another reaction"), blank=True)
    passed = models.BooleanField(_("passed"))

    class Meta:
        ordering = ["-performed_at", "-version"]
        verbose_name = _("ice test")
        verbose_name_plural = _("ice tests")
        constraints = [
            *versioned_constraints("icetest", _("Say why the ice test is corrected.")),
            # The database has the last word on the rule "passed only when nothing was observed".
            models.CheckConstraint(
                condition=Q(passed=False) | Q(discomfort=False, redness=False, itching=False, other_reaction=""),
                name="icetest_passed_only_without_reaction",
                violation_error_message=_(
                    "An ice test with a reaction (discomfort, redness, itching or another) cannot be passed."
                ),
            ),
            models.CheckConstraint(
                condition=Q(exposure_seconds__gte=1),
                name="icetest_exposure_positive",
                violation_error_message=_("The exposure must be at least 1 second."),
            ),
            plausible_moment(
                "performed_at",
                "icetest_performed_at_plausible",
                _("The time of the ice test must be from 1 January 2000 to now."),
            ),
        ]
        indexes = [models.Index(fields=["patient", "-performed_at"])]

    def __str__(self):
        return f"{self.patient} {self.performed_at:%Y-%m-%d} v{self.version}"

    @property
    def moment(self) -> datetime.datetime:
        return self.performed_at

    @property
    def moment_is_plausible(self) -> bool:
        return dates.RECORD.contains(self.performed_at)

    @property
    def observations(self) -> list[str]:
        found = [
            str(label)
            for flag, label in (
                (self.discomfort, _("discomfort")),
                (self.redness, _("redness")),
                (self.itching, _("itching")),
            )
            if flag
        ]
        if self.other_reaction:
            found.append(self.other_reaction)
        return found
