"""Consent forms (templates with versioned texts) and what patients signed or refused under them.

A form's text is versioned: a new version never voids what was signed under an older one unless
the administrator marks it as needing a new signature. A signature, a refusal and a withdrawal are
evidence: rows only ever inserted (database triggers refuse UPDATE and DELETE), keeping the exact
text shown and its SHA-256, the version, the method, the time, the address, the witness and the
drawn signature. Procedures are named by string: this app sits below procedures in the layers.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.dates import long_date


def _english() -> bool:
    return (get_language() or "ru").startswith("en")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Kind(models.TextChoices):
    PROCEDURE = "procedure", _("informed voluntary consent to a procedure")
    PERSONAL_DATA = "personal_data", _("consent to personal-data processing (152-FZ)")
    # Separate from the medical consent (DOMAIN.md): the patient's photos on the clinic's site ("Results").
    PUBLICATION = "publication", _("consent to publishing photos on the clinic's site")


class Requirement(models.TextChoices):
    """When a procedure's consent must be signed (a field of the procedure)."""

    NONE = "", _("not required")
    BEFORE_BOOKING = "booking", _("before booking")
    BEFORE_SESSION = "session", _("before the first session")


class ConsentTemplate(models.Model):
    """One consent form: a procedure's informed consent, the personal-data one or the publication one.
    Its texts are versions."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    procedure = models.OneToOneField(
        "procedures.Procedure",
        on_delete=models.CASCADE,  # a form goes with a procedure deleted unused; signed consents PROTECT it
        null=True,
        blank=True,
        related_name="consent_template",
        verbose_name=_("procedure"),
    )
    title_ru = models.CharField(_("title (Russian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    # The newest version that asked for a new signature: consents signed under an older one no longer count.
    resign_from_version = models.PositiveSmallIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["kind", "title_ru"]
        verbose_name = _("consent form")
        verbose_name_plural = _("consent forms")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="procedure", procedure__isnull=False)
                | Q(kind__in=["personal_data", "publication"], procedure__isnull=True),
                name="consent_template_kind_procedure",
                violation_error_message=_("A procedure's consent names its procedure; the other forms name none."),
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="personal_data"),
                name="one_personal_data_form",
                violation_error_message=_("There is already a personal-data consent form: edit it instead."),
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="publication"),
                name="one_publication_form",
                violation_error_message=_("There is one form of consent to publishing photos."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return self.title_en if _english() else self.title_ru


class ConsentTemplateVersion(models.Model):
    """One version of a form's text, in Russian and English. Never edited: a change is a new version."""

    template = models.ForeignKey(
        ConsentTemplate, on_delete=models.CASCADE, related_name="versions", verbose_name=_("consent form")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    text_ru = models.TextField(_("text (Russian)"))
    text_en = models.TextField(_("text (English)"))
    needs_new_signature = models.BooleanField(
        _("patients must sign again"),
        default=False,
        help_text=_("Consents signed under earlier versions stop counting; the patients affected are listed."),
    )
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        verbose_name = _("consent form version")
        verbose_name_plural = _("consent form versions")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"],
                name="consent_version_unique",
                violation_error_message=_("This version of the form already exists."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="consent_version_positive",
                violation_error_message=_("A version number starts at 1."),
            ),
            models.CheckConstraint(
                condition=~Q(text_ru="") & ~Q(text_en=""),
                name="consent_version_has_text",
                violation_error_message=_("A version needs its text in Russian and in English."),
            ),
        ]

    def __str__(self):
        return f"{self.template} v{self.number}"

    def text(self, language: str) -> str:
        return self.text_en if language.startswith("en") else self.text_ru

    def title(self, language: str) -> str:
        return self.template.title_en if language.startswith("en") else self.template.title_ru


class Decision(models.TextChoices):
    SIGNED = "signed", _("signed")
    REFUSED = "refused", _("refused")


class Method(models.TextChoices):
    DRAWN = "drawn", _("in the clinic: signed by hand on the screen")
    TYPED = "typed", _("in the clinic: name typed and box ticked")
    SMS_CODE = "sms_code", _("simple electronic signature: a code sent by SMS")
    EMAIL_CODE = "email_code", _("simple electronic signature: a code sent by e-mail")
    WEB_FORM = "web_form", _("the box ticked on the clinic's website")
    REGISTRATION = "registration", _("recorded at registration by the clinic's staff")


IN_CLINIC = (Method.DRAWN, Method.TYPED)


class Consent(models.Model):
    """A signature or a refusal, as evidence: never edited (a withdrawal is a row of its own)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    template = models.ForeignKey(
        ConsentTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("consent form")
    )
    version = models.ForeignKey(
        ConsentTemplateVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("version")
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    language = models.CharField(_("language"), max_length=5)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text shown"))
    text_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    signed_at = models.DateTimeField(_("time"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    typed_name = models.CharField(_("name typed"), max_length=200, blank=True)
    signature_png = models.BinaryField(_("drawn signature (PNG)"), null=True, blank=True, editable=False)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("witness"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # A simple electronic signature names the code that signed it (hashed, used once).
    code = models.OneToOneField(
        "SigningCode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signing code"),
    )

    class Meta:
        ordering = ["-signed_at", "-id"]
        verbose_name = _("signed consent or refusal")
        verbose_name_plural = _("signed consents and refusals")
        indexes = [models.Index(fields=["patient", "template", "-signed_at"], name="consent_patient_template")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(method__in=IN_CLINIC) | Q(witness__isnull=False),
                name="consent_in_clinic_witnessed",
                violation_error_message=_("A consent signed in the clinic names the clinician who witnessed it."),
            ),
            models.CheckConstraint(
                condition=~Q(method=Method.DRAWN) | Q(signature_png__isnull=False),
                name="consent_drawn_has_image",
                violation_error_message=_("A drawn signature needs its picture."),
            ),
            models.CheckConstraint(
                condition=~Q(method=Method.TYPED) | ~Q(typed_name=""),
                name="consent_typed_has_name",
                violation_error_message=_("A typed signature needs the typed name."),
            ),
            models.CheckConstraint(
                condition=~Q(method__in=[Method.SMS_CODE, Method.EMAIL_CODE]) | Q(code__isnull=False),
                name="consent_code_signature_has_code",
                violation_error_message=_("A signature by code keeps the code that was confirmed."),
            ),
        ]

    def __str__(self):
        return f"{self.title} · {self.get_decision_display()} · {long_date(timezone.localtime(self.signed_at))}"

    @property
    def text_intact(self) -> bool:
        return text_hash(self.text) == self.text_sha256


class Withdrawal(models.Model):
    """A signed consent withdrawn by the patient: from then on it no longer counts."""

    consent = models.OneToOneField(
        Consent, on_delete=models.PROTECT, related_name="withdrawal", verbose_name=_("signed consent or refusal")
    )
    at = models.DateTimeField(_("withdrawn at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("withdrawn by")
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("withdrawal of a consent")
        verbose_name_plural = _("withdrawals of consents")

    def __str__(self):
        return f"{self.consent_id} · {self.at:%Y-%m-%d}"


class SigningCode(models.Model):
    """A one-time code for a simple electronic signature: kept as an HMAC, short-lived, single use,
    a few tries only, bound to one patient and one version of one form."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(ConsentTemplateVersion, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    code_hash = models.CharField(max_length=100)  # "salt$hmac"
    channel = models.CharField(max_length=10)  # sms or email
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("signing code")
        verbose_name_plural = _("signing codes")
        indexes = [models.Index(fields=["patient", "-created_at"], name="signing_code_patient")]

    def __str__(self):
        return f"{self.patient_id} · {self.created_at:%Y-%m-%d %H:%M}"


class SigningLink(models.Model):
    """A link a registrar sends so the patient signs at home: 256 random bits kept as SHA-256."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(ConsentTemplate, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signing link")
        verbose_name_plural = _("signing links")

    def __str__(self):
        return f"{self.patient_id} · {self.template_id} · {self.created_at:%Y-%m-%d}"
