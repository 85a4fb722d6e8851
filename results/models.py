"""What a course achieved: checks (before, at checkpoints, after), their trichoscopy, standard photos, reviews.

A check is the visit at which results are taken; its trichoscopy is a signed medical record that is
never edited (a correction is a new version of the chain, as screenings are) and its measurements,
one row per measured zone, are part of the version they belong to. Photos belong to the check, not
to a version: correcting a figure does not re-take a photo. A photo is never deleted but withdrawn
(who, when, why); only anonymisation removes the files. Publication on the clinic's site needs the
clinician's mark (no face) and the patient's separate consent (consents.Kind.PUBLICATION).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage
from procedures.models import VersionedRecord, plausible_moment, versioned_constraints

# The ranges the database refuses outside of (the forms explain them first: results.validation).
DENSITY_MIN, DENSITY_MAX = 1, 700  # hairs per cm²: ~200-300 is usual, severe thinning far below
DIAMETER_MIN, DIAMETER_MAX = 5, 200  # µm: vellus < 30, terminal above 40, coarse hair ~120


def _with_limits(message: str, **limits):
    """A message with its limits filled in when it is shown, in the language then active.

    `_("...") % {...}` fills it in at import, in the importing process's language: once the Russian
    was translated, makemigrations (which compares in English) saw the constraints changed.
    """
    return lazy(lambda: gettext(message) % limits, str)()


def withdrawal_complete(name: str, message) -> models.CheckConstraint:
    """Not withdrawn, or withdrawn with who, when and why: the rule of a check's and a photo's withdrawal."""
    return models.CheckConstraint(
        condition=Q(withdrawn_at=None, withdrawn_by=None, withdrawal_reason="")
        | (Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False) & ~Q(withdrawal_reason="")),
        name=name,
        violation_error_message=message,
    )


def _english() -> bool:
    return (get_language() or "ru").startswith("en")


class MeasurementZone(models.Model):
    """A scalp area the clinic measures by trichoscopy; frontoparietal is seeded, the clinic may add more."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    default = models.BooleanField(_("measured by default"), default=False)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("measured zone")
        verbose_name_plural = _("measured zones")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_ru


class Checkpoint(models.Model):
    """A check the clinic wants after a given session of a procedure's course (besides before and after)."""

    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.CASCADE, related_name="result_checkpoints", verbose_name=_("procedure")
    )
    after_session = models.PositiveSmallIntegerField(_("after session"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["procedure", "after_session"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "after_session"],
                name="checkpoint_unique",
                violation_error_message=_("This checkpoint is already set for the procedure."),
            ),
            models.CheckConstraint(
                condition=Q(after_session__gte=1),
                name="checkpoint_after_session_positive",
                violation_error_message=_("A checkpoint comes after session 1 or later."),
            ),
        ]

    def __str__(self):
        return f"{self.procedure} · {self.after_session}"


class CheckKind(models.TextChoices):
    BASELINE = "baseline", _("before the course")
    CHECKPOINT = "checkpoint", _("checkpoint")
    FINAL = "final", _("after the course")


class CheckQuerySet(models.QuerySet):
    def in_force(self):
        """The checks that count: not withdrawn as recorded in error."""
        return self.filter(withdrawn_at=None)


class Check(models.Model):
    """One visit at which results are taken: the trichoscopy (versions) and the photos hang on it."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="result_checks")
    course = models.ForeignKey(
        "scheduling.Course",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="result_checks",
        verbose_name=_("course"),
    )
    location = models.ForeignKey("accounts.Location", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("check"), max_length=10, choices=CheckKind.choices)
    after_session = models.PositiveSmallIntegerField(_("after session"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Recorded in error (the wrong course or patient, the wrong kind): withdrawn, never deleted. A
    # withdrawn check keeps its figures and photos for the record but shows in no comparison, frees
    # its place in the course and takes no new figures or photos.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(_("reason for withdrawing"), blank=True, max_length=1000)

    objects = CheckQuerySet.as_manager()

    class Meta:
        ordering = ["taken_at", "id"]
        verbose_name = _("results check")
        verbose_name_plural = _("results checks")
        indexes = [models.Index(fields=["patient", "taken_at"], name="check_patient_taken")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in CheckKind]),
                name="check_kind_known",
                violation_error_message=_("Unknown kind of check."),
            ),
            models.CheckConstraint(
                condition=Q(kind="checkpoint", after_session__gte=1) | (~Q(kind="checkpoint") & Q(after_session=None)),
                name="check_checkpoint_has_session",
                violation_error_message=_("A checkpoint names the session it follows; other checks name none."),
            ),
            plausible_moment(
                "taken_at", "check_taken_at_plausible", _("The time of the check must be from 1 January 2000 to now.")
            ),
            withdrawal_complete("check_withdrawal_complete", _("Say why the check is withdrawn.")),
            # One check before and one after a course, one checkpoint per session, among those not
            # withdrawn (the service says so first; this holds when two clinicians record at once).
            models.UniqueConstraint(
                fields=["course", "kind"],
                condition=Q(kind__in=["baseline", "final"], withdrawn_at=None),
                name="check_one_of_a_kind_per_course",
                violation_error_message=_("This course already has this check."),
            ),
            models.UniqueConstraint(
                fields=["course", "after_session"],
                condition=Q(kind="checkpoint", withdrawn_at=None),
                name="check_one_checkpoint_per_session",
                violation_error_message=_("This course already has a checkpoint after this session."),
            ),
        ]

    def __str__(self):
        return f"{self.patient} · {self.get_kind_display()} · {self.taken_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("results:check", args=[self.pk])


class Method(models.TextChoices):
    TRICHOSCOPY = "trichoscopy", _("trichoscopy")
    PHOTOTRICHOGRAM = "phototrichogram", _("phototrichogram")


class Scale(models.TextChoices):
    NONE = "", _("not graded")
    HAMILTON = "hamilton", _("Hamilton-Norwood")
    LUDWIG = "ludwig", _("Ludwig")


# The grades each scale allows (DOMAIN.md: Hamilton-Norwood 1-7 for men, Ludwig I-III for women).
GRADES = {
    Scale.HAMILTON: ["1", "2", "3", "3v", "4", "5", "6", "7"],
    Scale.LUDWIG: ["I", "II", "III"],
}


class Trichoscopy(VersionedRecord):
    """The trichoscopy of a check, signed; a correction is a new version with its reason."""

    result_check = models.ForeignKey(
        Check, on_delete=models.PROTECT, related_name="trichoscopies", verbose_name=_("check")
    )
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    device = models.CharField(_("device"), max_length=120, blank=True)
    scale = models.CharField(_("scale"), max_length=10, choices=Scale.choices, blank=True)
    grade = models.CharField(_("grade"), max_length=5, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=4000)

    class Meta:
        ordering = ["result_check", "-version"]
        verbose_name = _("trichoscopy")
        verbose_name_plural = _("trichoscopies")
        constraints = [
            *versioned_constraints("trichoscopy", _("Say why the trichoscopy is corrected.")),
            models.CheckConstraint(
                condition=Q(method__in=[m.value for m in Method]),
                name="trichoscopy_method_known",
                violation_error_message=_("Unknown method."),
            ),
            models.CheckConstraint(
                condition=Q(scale="", grade="")
                | Q(scale=Scale.HAMILTON, grade__in=GRADES[Scale.HAMILTON])
                | Q(scale=Scale.LUDWIG, grade__in=GRADES[Scale.LUDWIG]),
                name="trichoscopy_grade_of_scale",
                violation_error_message=_("Choose a grade of the scale chosen (Hamilton-Norwood 1-7, Ludwig I-III)."),
            ),
        ]

    def __str__(self):
        return f"{self.result_check} v{self.version}"


def _share(name: str):
    return models.DecimalField(
        name,
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )


class ZoneMeasurement(models.Model):
    """The figures of one measured zone in one trichoscopy version (part of it: append-only)."""

    trichoscopy = models.ForeignKey(Trichoscopy, on_delete=models.PROTECT, related_name="measurements")
    zone = models.ForeignKey(MeasurementZone, on_delete=models.PROTECT, related_name="+", verbose_name=_("zone"))
    density = models.PositiveSmallIntegerField(
        _("density, hairs per cm²"), validators=[MinValueValidator(DENSITY_MIN), MaxValueValidator(DENSITY_MAX)]
    )
    terminal_share = _share(_("terminal hairs, %"))
    vellus_share = _share(_("vellus hairs, %"))
    mean_diameter = models.DecimalField(
        _("mean shaft diameter, µm"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(DIAMETER_MIN), MaxValueValidator(DIAMETER_MAX)],
    )
    anagen_share = _share(_("anagen, %"))
    telogen_share = _share(_("telogen, %"))

    class Meta:
        ordering = ["trichoscopy", "zone__position", "zone__code"]
        verbose_name = _("zone measurement")
        verbose_name_plural = _("zone measurements")
        constraints = [
            models.UniqueConstraint(
                fields=["trichoscopy", "zone"],
                name="measurement_zone_once",
                violation_error_message=_("This zone is already measured in this trichoscopy."),
            ),
            models.CheckConstraint(
                condition=Q(density__gte=DENSITY_MIN, density__lte=DENSITY_MAX),
                name="measurement_density_range",
                violation_error_message=_with_limits(
                    gettext_noop("Density must be from %(min)d to %(max)d hairs per cm²."),
                    min=DENSITY_MIN,
                    max=DENSITY_MAX,
                ),
            ),
            models.CheckConstraint(
                condition=Q(mean_diameter=None) | Q(mean_diameter__gte=DIAMETER_MIN, mean_diameter__lte=DIAMETER_MAX),
                name="measurement_diameter_range",
                violation_error_message=_with_limits(
                    gettext_noop("The mean diameter must be from %(min)d to %(max)d µm."),
                    min=DIAMETER_MIN,
                    max=DIAMETER_MAX,
                ),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{field: None}) | Q(**{f"{field}__gte": 0, f"{field}__lte": 100}),
                    name=f"measurement_{field}_range",
                    violation_error_message=_("A share is from 0 to 100 %%."),
                )
                for field in ("terminal_share", "vellus_share", "anagen_share", "telogen_share")
            ],
            # Terminal and vellus hairs are all the hairs counted; anagen and telogen nearly all (catagen ~1-2 %).
            models.CheckConstraint(
                condition=Q(terminal_share=None)
                | Q(vellus_share=None)
                | Q(
                    terminal_share__gte=98 - models.F("vellus_share"),
                    terminal_share__lte=102 - models.F("vellus_share"),
                ),
                name="measurement_terminal_vellus_sum",
                violation_error_message=_("Terminal and vellus shares must add up to 100 %% (within 2 %%)."),
            ),
            models.CheckConstraint(
                condition=Q(anagen_share=None)
                | Q(telogen_share=None)
                | Q(
                    anagen_share__gte=90 - models.F("telogen_share"), anagen_share__lte=100 - models.F("telogen_share")
                ),
                name="measurement_anagen_telogen_sum",
                violation_error_message=_("Anagen and telogen shares must add up to 90-100 %% (the rest is catagen)."),
            ),
        ]

    def __str__(self):
        return f"{self.trichoscopy} · {self.zone}"


class PhotoZone(models.TextChoices):
    FRONTAL = "frontal", _("frontal")
    VERTEX = "vertex", _("vertex")
    PARTING = "parting", _("midline parting")
    TEMPORAL_LEFT = "temporal_left", _("left temporal")
    TEMPORAL_RIGHT = "temporal_right", _("right temporal")
    OCCIPITAL = "occipital", _("occipital")
    CLOSEUP = "closeup", _("trichoscope close-up of the marked spot")


def _photo_path(photo, filename: str) -> str:
    return f"results/{photo.patient_id}/{uuid.uuid4().hex}.jpg"


def _thumbnail_path(photo, filename: str) -> str:
    return f"results/{photo.patient_id}/{uuid.uuid4().hex}-thumb.jpg"


class Photo(models.Model):
    """A standard photo of a check: re-encoded without metadata, kept in the private storage.

    Never deleted: a withdrawal records who, when and why, and the photo stops showing. Only
    anonymisation removes the files (`erased_at`).
    """

    result_check = models.ForeignKey(Check, on_delete=models.PROTECT, related_name="photos", verbose_name=_("check"))
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    zone = models.CharField(_("zone"), max_length=20, choices=PhotoZone.choices)
    image = models.ImageField(_("photo"), storage=private_storage, upload_to=_photo_path)
    thumbnail = models.ImageField(_("thumbnail"), storage=private_storage, upload_to=_thumbnail_path, blank=True)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)  # of the stored JPEG, for the export
    publishable = models.BooleanField(
        _("may be published"),
        default=False,
        help_text=_("No face in the picture; publication also needs the patient's consent."),
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(_("reason for withdrawing"), blank=True, max_length=1000)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["result_check", "zone", "uploaded_at"]
        verbose_name = _("results photo")
        verbose_name_plural = _("results photos")
        indexes = [
            models.Index(fields=["patient", "uploaded_at"], name="photo_patient_uploaded"),
            models.Index(
                fields=["publishable"], condition=Q(publishable=True, withdrawn_at=None), name="photo_publishable"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(zone__in=[z.value for z in PhotoZone]),
                name="photo_zone_known",
                violation_error_message=_("Unknown photo zone."),
            ),
            withdrawal_complete("photo_withdrawal_complete", _("Say why the photo is withdrawn.")),
        ]

    def __str__(self):
        return f"{self.result_check} · {self.get_zone_display()}"

    @property
    def shown(self) -> bool:
        return self.withdrawn_at is None and self.erased_at is None


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("awaiting moderation")
    APPROVED = "approved", _("published")
    REJECTED = "rejected", _("not published")


class ReviewInvitation(models.Model):
    """The one invitation to review a completed course (unique per course: sent exactly once)."""

    course = models.OneToOneField("scheduling.Course", on_delete=models.PROTECT, related_name="review_invitation")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review invitation")
        verbose_name_plural = _("review invitations")

    def __str__(self):
        return f"{self.course}"


class Review(models.Model):
    """A patient's rating (1-5) of a completed course, shown in public once an administrator approves it."""

    course = models.OneToOneField(
        "scheduling.Course", on_delete=models.PROTECT, related_name="review", verbose_name=_("course")
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.PROTECT, related_name="reviews")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    # What the public page shows as the author: a first name, never the surname (set from the patient's).
    display_name = models.CharField(_("shown as"), max_length=60)
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    moderation_note = models.CharField(_("moderator's note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [
            models.Index(fields=["procedure", "status"], name="review_procedure_status"),
            models.Index(fields=["clinician", "status"], name="review_clinician_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="review_rating_range",
                violation_error_message=_("A rating is from 1 to 5."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ReviewStatus]),
                name="review_status_known",
                violation_error_message=_("Unknown review status."),
            ),
            models.CheckConstraint(
                condition=Q(status="pending", moderated_at=None)
                | (~Q(status="pending") & Q(moderated_at__isnull=False)),
                name="review_moderation_recorded",
                violation_error_message=_("A moderated review records when it was moderated."),
            ),
        ]

    def __str__(self):
        return f"{self.procedure} · {self.rating}/5 · {self.display_name}"
