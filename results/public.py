"""What the clinic's public site shows of results and reviews: read by anyone, so every rule is here.

A photo is public only while all of these hold, checked on each request (the list and the file alike):
the clinician marked it publishable (no face), it is neither withdrawn nor erased, it belongs to a
course of the procedure shown, and its patient's consent to publication is in force (signed, not
withdrawn, not refused since, not outdated by a version that asked for a new signature). Nothing
public names the patient or dates a visit to the day: a case is "a course of N sessions", its month.

A review is public once an administrator approved it. The clinician is shown by the name the clinic
gives the staff account (first and last name in the admin); a clinician without one is not named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, QuerySet
from django.http import Http404
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User
from consents.selectors import publication_consented_patient_ids
from core.roles import Role
from procedures.models import Procedure

from .models import CheckKind, Photo, PhotoZone, Review, ReviewStatus

PHOTO_SALT = "results.public-photo"


def procedure_get(slug: str) -> Procedure:
    """A procedure the clinic offers, by its slug; 404 otherwise."""
    procedure = Procedure.objects.filter(slug=slug, active=True).first()
    if procedure is None:
        raise Http404
    return procedure


# ---------------------------------------------------------------- photos


def published_photos(procedure) -> QuerySet[Photo]:
    """Every photo of the procedure's courses that may be shown in public right now."""
    return Photo.objects.filter(
        publishable=True,
        withdrawn_at=None,
        erased_at=None,
        result_check__withdrawn_at=None,  # its photos are withdrawn with it; this holds regardless
        result_check__course__procedure=procedure,
        patient_id__in=publication_consented_patient_ids(),
    )


def photo_token(photo) -> str:
    """The public name of a photo: its id and a MAC, so the public URLs cannot be counted through."""
    return f"{photo.pk}-{salted_hmac(PHOTO_SALT, str(photo.pk), algorithm='sha256').hexdigest()[:16]}"


def published_photo_get(procedure, token: str) -> Photo:
    """The photo a public URL names, if it may still be shown; 404 for anything else."""
    pk = (token or "").partition("-")[0]
    if not pk.isdigit() or not constant_time_compare(photo_token(Photo(pk=int(pk))), token or ""):
        raise Http404
    photo = published_photos(procedure).filter(pk=int(pk)).first()
    if photo is None:
        raise Http404
    return photo


def photo_etag(photo) -> str:
    return f'"{photo.pk}-{(photo.sha256 or "")[:16]}{"t" if photo.thumbnail else "i"}"'


@dataclass
class Shot:
    stage: str
    token: str
    zone: str


@dataclass
class Case:
    """One course's published photos, as the public sees it: no name, no day."""

    sessions: int
    month: object  # a date: shown as month and year
    zones: list[tuple[str, list[Shot]]] = field(default_factory=list)


def _stage(check) -> str:
    if check.kind == CheckKind.CHECKPOINT:
        return CheckKind.CHECKPOINT.label + f" ({check.after_session})"
    return str(CheckKind(check.kind).label)


def gallery(procedure, *, limit: int = 60) -> list[Case]:
    """The procedure's cases, the latest first, each zone's photos in time order (one query)."""
    photos = (
        published_photos(procedure)
        .select_related("result_check__course")
        .only(
            "pk",
            "zone",
            "sha256",
            "thumbnail",
            "result_check__kind",
            "result_check__after_session",
            "result_check__taken_at",
            "result_check__course__session_count",
        )
        .order_by("-result_check__course_id", "zone", "result_check__taken_at", "pk")
    )
    cases: dict[int, Case] = {}
    zones: dict[tuple[int, str], list[Shot]] = {}
    for photo in photos[: limit * 8]:
        check = photo.result_check
        case = cases.get(check.course_id)
        if case is None:
            if len(cases) >= limit:
                break
            case = cases[check.course_id] = Case(sessions=check.course.session_count, month=check.taken_at.date())
        case.month = max(case.month, check.taken_at.date())
        key = (check.course_id, photo.zone)
        if key not in zones:
            zones[key] = []
            case.zones.append((str(PhotoZone(photo.zone).label), zones[key]))
        zones[key].append(Shot(stage=_stage(check), token=photo_token(photo), zone=photo.zone))
    return list(cases.values())


# ---------------------------------------------------------------- reviews


def clinician_name(user) -> str:
    """The name the clinic shows for a clinician: the staff account's first and last name, or nothing."""
    return user.get_full_name().strip() if user is not None else ""


def public_clinician_get(pk) -> User:
    """An active clinician the clinic has named; 404 otherwise (a login name is never shown)."""
    user = User.objects.filter(pk=pk, is_active=True, groups__name=Role.CLINICIAN).first()
    if user is None or not clinician_name(user):
        raise Http404
    return user


def approved_reviews(*, procedure=None, clinician=None) -> QuerySet[Review]:
    reviews = Review.objects.filter(status=ReviewStatus.APPROVED)
    if procedure is not None:
        reviews = reviews.filter(procedure=procedure)
    if clinician is not None:
        reviews = reviews.filter(clinician=clinician)
    return reviews.select_related("procedure", "clinician").order_by("-created_at", "-id")


@dataclass
class Rating:
    count: int
    average: Decimal | None  # to one decimal, half up; None without reviews


def rating_of(reviews: QuerySet[Review]) -> Rating:
    numbers = reviews.order_by().aggregate(n=Count("id"), avg=Avg("rating"))
    average = numbers["avg"]
    if average is None:
        return Rating(0, None)
    return Rating(numbers["n"], Decimal(str(average)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
