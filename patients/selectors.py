from dataclasses import dataclass

from django.db.models import Q
from django.shortcuts import get_object_or_404

from accounts.locations import location_ids_of
from core.policy import require

from .models import Patient
from .search import national_digits, search_tiers


def patients_visible_to(user):
    """The patients a registrar or clinician may see: those whose home location is one of hers, or
    who have a course at one of hers (README, "Who sees which patients"). Nobody else's."""
    ids = location_ids_of(user)
    if not ids:
        return Patient.objects.none()
    # "courses" is the scheduling app's reverse name; read by name, so patients imports nothing above it.
    with_course_here = Patient.objects.filter(courses__location_id__in=ids).values("pk")
    return Patient.objects.filter(Q(home_location_id__in=ids) | Q(pk__in=with_course_here))


def patient_get_for_user(user, pk, *, action: str = "patient.view") -> Patient:
    """The patient if the user may do `action` and sees her; 403 without the role, 404 otherwise."""
    require(user, action)
    return get_object_or_404(patients_visible_to(user).select_related("home_location"), pk=pk)


@dataclass(frozen=True)
class PatientPage:
    """One page of a search: its patients, best match first, and whether another page follows (no total)."""

    patients: list[Patient]
    offset: int
    limit: int
    has_next: bool


def patient_search(*, query: str = "", offset: int = 0, limit: int = 50, user=None) -> PatientPage:
    """A page of the patients a search finds, ranked (patients.search), with their home location.

    One query while the first rank fills the page, one more for the next rank when it does not, and a
    capped count only on a page that starts past the end of a rank. Only `user`'s patients when given.
    """
    base = Patient.objects.all() if user is None else patients_visible_to(user)
    base = base.with_search_key().select_related("home_location")
    found: list[Patient] = []
    skip = offset
    for tier in search_tiers(query):
        matches = base.filter(tier.condition).order_by(*tier.order)
        rows = list(matches[skip : skip + limit + 1 - len(found)])
        if skip and not rows:
            skip -= matches[:skip].count()  # the page starts after this rank: how much of the offset it took
            continue
        found += rows
        skip = 0
        if len(found) > limit:
            break
    return PatientPage(patients=found[:limit], offset=offset, limit=limit, has_next=len(found) > limit)


def patient_list(*, query: str = "", limit: int = 50, user=None) -> list[Patient]:
    """The first `limit` patients a search finds, best match first (patient_search's first page)."""
    return patient_search(query=query, limit=limit, user=user).patients


def patient_possible_duplicates(*, phone, full_name: str, date_of_birth, exclude_id: int | None = None):
    """Patients sharing the phone, or the same name (any case) and date of birth."""
    condition = Q()
    if phone:
        condition |= Q(phone_digits=national_digits(str(phone)))
    if full_name and date_of_birth:
        condition |= Q(full_name__iexact=" ".join(full_name.split()), date_of_birth=date_of_birth)
    if not condition:
        return Patient.objects.none()
    qs = Patient.objects.filter(condition)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.select_related("home_location").order_by("full_name")[:10]
