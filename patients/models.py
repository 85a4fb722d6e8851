import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Now
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from core import dates

from .search import SEARCH_KEY, patient_search_filter


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Language(models.TextChoices):
    RUSSIAN = "ru", _("Russian")
    ENGLISH = "en", _("English")


def validate_not_future(value: datetime.date) -> None:
    """From 1 Jan 1900 to today: core.dates.BIRTH, the one place that says so."""
    dates.BIRTH.check(value)


class PatientQuerySet(models.QuerySet):
    def with_search_key(self):
        """The name as search compares and orders it (patients.search.SEARCH_KEY), for filter and order_by."""
        return self.alias(search_key=SEARCH_KEY)

    def search(self, query: str):
        """Every match of the query, unranked; patients.selectors.patient_search ranks and pages them."""
        return self.with_search_key().filter(patient_search_filter(query))


# What the registrar may set on a patient: the form, the API serializer and the services use this one list
# (in the order the form shows them).
EDITABLE_FIELDS = (
    "full_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "preferred_language",
    "consent_sms",
    "consent_email",
    "home_location",
    "notes",
)


class Patient(models.Model):
    full_name = models.CharField(_("full name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"), validators=[validate_not_future])
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    phone = PhoneNumberField(_("phone"), region="RU")
    # Digits of the national number ("9161234567"): what forgiving phone search matches on.
    phone_digits = models.CharField(max_length=20, editable=False, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.RUSSIAN
    )
    consent_sms = models.BooleanField(_("reminders by SMS"), default=False)
    consent_email = models.BooleanField(_("reminders by email"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    home_location = models.ForeignKey(
        "accounts.Location", on_delete=models.PROTECT, related_name="patients", verbose_name=_("home location")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient",
        verbose_name=_("portal login"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        indexes = [
            # Both on patients.search.SEARCH_KEY, the expression search filters and orders by: the btree
            # serves "the name starts with" in order with the page's limit, the trigram index "any part".
            models.Index(SEARCH_KEY, F("id"), name="patient_search_key"),
            GinIndex(OpClass(SEARCH_KEY, name="gin_trgm_ops"), name="patient_search_key_trgm"),
            GinIndex(fields=["phone_digits"], name="patient_phone_trgm", opclasses=["gin_trgm_ops"]),
            models.Index(Lower("full_name"), "date_of_birth", name="patient_name_dob"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(full_name=""),
                name="patient_full_name_not_blank",
                violation_error_message=_("Enter the patient's full name."),
            ),
            # The database's last word on core.dates.BIRTH (a day's grace for time zones).
            models.CheckConstraint(
                condition=models.Q(
                    date_of_birth__gte=datetime.date(1900, 1, 1),
                    date_of_birth__lte=Now() + datetime.timedelta(days=1),
                ),
                name="patient_date_of_birth_plausible",
                violation_error_message=_("The date of birth must be from 1 January 1900 to today."),
            ),
        ]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("patient-detail", args=[self.pk])
