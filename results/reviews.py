"""Reviews of completed courses: the one invitation, the patient's review, its moderation.

- `invitations_create(now)` (the beat's scan calls it) gives each completed course one invitation,
  exactly once: the course is unique on the invitation and the INSERT skips what exists; the message
  itself goes through the reminders' dispatch pipeline, unique per invitation.
- `review_submit` takes the patient's rating (1-5), comment and the name to show; one review per
  course (the database says so too). The name shown defaults to the patient's first name and may
  never hold the surname (`display_name_check`).
- `review_moderate`: an administrator approves or rejects (with a note); only approved reviews are
  public (results.public).
"""

from __future__ import annotations

import datetime
import re
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locations import location_ids_of
from audit.models import Action
from audit.services import audit_record
from core.letters import PATRONYMIC
from core.policy import require
from scheduling.models import Course, CourseStatus, Session, SessionStatus

from .models import Review, ReviewInvitation, ReviewStatus

COMMENT_MAX = 2000
DISPLAY_NAME_MAX = 60
# Letters of any script, spaces, hyphens, dots and apostrophes: a name, not a link or a phone number.
NAME_CHARACTERS = re.compile(r"^[^\W\d_]+(?:[ .'’-]+[^\W\d_]*)*$")


# ---------------------------------------------------------------- the name shown


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", (text or "").casefold().replace("ё", "е"))


# Common endings of Russian surnames (and their Latin spellings); "-ина" is left out: Ирина, Марина, Полина.
SURNAME = re.compile(r"(ов|ова|ев|ева|ёв|ёва|ин|ын|ына|ский|ская|цкий|цкая|ova|eva|ov|ev|sky|skaya|skiy|skii)$", re.I)


def given_name(patient) -> str:
    """The patient's first name, read from the full name (the login's first name is no guide: the portal
    stores the full name there). A patronymic tells the order of three words; of two words, the one
    that does not end like a surname, or else the second (the clinic stores names surname first, as
    official papers write them: seed_demo, the tax certificate)."""
    words = patient.full_name.split()
    if len(words) == 3 and PATRONYMIC.search(words[2]):
        return words[1]
    if len(words) == 3 and PATRONYMIC.search(words[1]):
        return words[0]
    if len(words) == 2:
        looks = [bool(SURNAME.search(w)) for w in words]
        if looks == [False, True]:
            return words[0]
    return words[1] if len(words) >= 2 else ""


def surname_words(patient) -> set[str]:
    """Every word of the patient's name that is not the first name or a patronymic, and the login's last
    name: what a shown name may never contain. (A first name that ends like a surname, Константин, stays
    allowed: it is the first name.)"""
    given = set(_words(given_name(patient)))
    words = {w for w in _words(patient.full_name) if not PATRONYMIC.search(w)}
    out = words - given
    if patient.user_id and patient.user.last_name.strip():
        out |= set(_words(patient.user.last_name))
    return out


def default_display_name(patient) -> str:
    return given_name(patient) or _("Patient")


def display_name_check(patient, name: str) -> str:
    """The shown name, tidied; a ValidationError when it is empty, too long, not a name or holds the surname."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Say how to sign the review, e.g. your first name."), code="display_name_required")
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationError(
            _("The name shown may have at most %(n)d characters.") % {"n": DISPLAY_NAME_MAX}, code="display_name_long"
        )
    if not NAME_CHARACTERS.match(name):
        raise ValidationError(_("The name shown may hold only letters, spaces and hyphens."), code="display_name_chars")
    shown, joined = set(_words(name)), "".join(_words(name))
    surnames = surname_words(patient)
    if shown & surnames or any(len(s) >= 3 and s in joined for s in surnames):
        raise ValidationError(
            _("The public page never shows your surname: sign with your first name only."), code="surname_in_name"
        )
    return name


# ---------------------------------------------------------------- invitations


INVITE_SQL = """
INSERT INTO results_reviewinvitation (course_id, patient_id, token, created_at)
SELECT c.id, c.patient_id, gen_random_uuid(), %(now)s
FROM scheduling_course c
JOIN patients_patient p ON p.id = c.patient_id
WHERE c.status = 'completed'
  AND p.full_name NOT LIKE 'Anonymised patient%%'
  AND NOT EXISTS (SELECT 1 FROM results_reviewinvitation i WHERE i.course_id = c.id)
  AND NOT EXISTS (SELECT 1 FROM results_review r WHERE r.course_id = c.id)
  AND (SELECT max(s.outcome_at) FROM scheduling_session s WHERE s.course_id = c.id AND s.status = 'completed')
      BETWEEN %(since)s AND %(until)s
ON CONFLICT DO NOTHING
"""


def invitations_create(now: datetime.datetime | None = None) -> int:
    """One invitation for each course completed a while ago and not yet invited or reviewed; the rows added.

    A course counts as completed when its last delivered session was recorded: from
    REVIEW_INVITE_DELAY_HOURS after that (not while the patient is still in the chair) to
    REVIEW_INVITE_WINDOW_DAYS after (older courses, e.g. on the day this was switched on, are not
    invited out of the blue). The course's unique invitation makes a second run, or a second beat, harmless.
    """
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.REVIEW_INVITE_WINDOW_DAYS)
    until = now - datetime.timedelta(hours=settings.REVIEW_INVITE_DELAY_HOURS)
    with connection.cursor() as cursor:
        cursor.execute(INVITE_SQL, {"now": now, "since": since, "until": until})
        return cursor.rowcount


def invitation_by_token(raw: str) -> ReviewInvitation | None:
    """The invitation a link names (its token, 122 random bits), with its course and patient; None if none."""
    try:
        token = uuid.UUID(hex=str(raw))
    except ValueError:
        return None
    return ReviewInvitation.objects.select_related("course__procedure", "patient__user").filter(token=token).first()


# ---------------------------------------------------------------- the patient's review


def main_clinician_id(course) -> int | None:
    """Who gave the course: the clinician of most of its delivered sessions (the later one on a tie)."""
    row = (
        Session.objects.filter(course=course, status=SessionStatus.COMPLETED)
        .values("clinician_id")
        .annotate(n=Count("id"), last=Max("start"))
        .order_by("-n", "-last")
        .first()
    )
    return row["clinician_id"] if row else None


def _rating(value) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": ValidationError(_("Choose a rating from 1 to 5."), code="invalid_rating")})
    return rating


def _comment(value) -> str:
    comment = (value or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            {
                "comment": ValidationError(
                    _("The comment may have at most %(n)d characters.") % {"n": COMMENT_MAX}, code="comment_long"
                )
            }
        )
    return comment


@transaction.atomic
def review_submit(*, patient, course, rating, comment: str = "", display_name: str | None = None, request=None):
    """The patient's review of their own completed course: one per course, pending until moderated."""
    course = Course.objects.select_for_update().get(pk=course.pk)  # two submissions at once: one waits
    if course.patient_id != patient.pk:
        raise PermissionDenied
    if course.status != CourseStatus.COMPLETED:
        raise ValidationError(_("A course can be reviewed once it is completed."), code="not_completed")
    if Review.objects.filter(course=course).exists():
        raise ValidationError(_("This course has already been reviewed."), code="already_reviewed")
    rating, comment = _rating(rating), _comment(comment)
    try:
        name = display_name_check(patient, default_display_name(patient) if display_name is None else display_name)
    except ValidationError as error:
        raise ValidationError({"display_name": error}) from None
    review = Review(
        course=course,
        patient=patient,
        procedure_id=course.procedure_id,
        clinician_id=main_clinician_id(course),
        rating=rating,
        comment=comment,
        display_name=name,
    )
    review.full_clean(exclude=["course", "patient", "procedure", "clinician", "moderated_by"], validate_unique=False)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:  # the database has the last word on one review per course
        raise ValidationError(_("This course has already been reviewed."), code="already_reviewed") from None
    audit_record(
        request=request,
        actor=patient.user if patient.user_id else None,
        action=Action.CREATE,
        patient=patient,
        record=review,
        detail={"course": course.pk, "rating": rating},
    )
    return review


def review_submit_by_token(*, token: str, rating, comment: str = "", display_name: str | None = None, request=None):
    """The review written through the invitation's link (no sign-in: the token is the key)."""
    invitation = invitation_by_token(token)
    if invitation is None:
        raise ValidationError(_("This link is not valid."), code="invalid_link")
    return review_submit(
        patient=invitation.patient,
        course=invitation.course,
        rating=rating,
        comment=comment,
        display_name=display_name,
        request=request,
    )


# ---------------------------------------------------------------- moderation


@transaction.atomic
def review_moderate(*, actor, review: Review, decision: str, note: str = "", request=None) -> Review:
    """An administrator publishes a review or keeps it off the site (a rejection says why). A published
    review may be taken down later the same way."""
    require(actor, "review.moderate")
    if decision not in (ReviewStatus.APPROVED, ReviewStatus.REJECTED):
        raise ValidationError(_("Choose to publish or to reject."), code="invalid_decision")
    note = " ".join((note or "").split())
    if decision == ReviewStatus.REJECTED and not note:
        raise ValidationError({"note": ValidationError(_("Say why the review is rejected."), code="note_required")})
    review = Review.objects.select_for_update().get(pk=review.pk)
    previous = review.status
    review.status, review.moderation_note = decision, note[:300]
    review.moderated_by, review.moderated_at = actor, timezone.now()
    review.full_clean(exclude=["course", "patient", "procedure", "clinician", "moderated_by"], validate_unique=False)
    review.save(update_fields=["status", "moderation_note", "moderated_by", "moderated_at"])
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=review.patient_id,
        record=review,
        detail={"status": decision, "was": previous},
    )
    return review


# ---------------------------------------------------------------- reads for the moderator and the patient


def reviews_for_moderator(user):
    """Reviews of courses at the moderator's locations (administrators: all); 403 without the role."""
    require(user, "review.moderate")
    return Review.objects.filter(course__location_id__in=location_ids_of(user)).select_related(
        "procedure", "clinician", "moderated_by"
    )


def review_get_for_moderator(user, pk) -> Review:
    review = reviews_for_moderator(user).filter(pk=pk).first()
    if review is None:
        raise Http404
    return review


def own_course_get(user, pk) -> Course:
    """The signed-in patient's own course, or 404: another patient's is never found."""
    course = (
        Course.objects.select_related("procedure", "patient__user")
        .filter(pk=pk, patient__user=user, patient__user__isnull=False)
        .first()
    )
    if course is None:
        raise Http404
    return course
