from django.db.models import Q
from django.shortcuts import get_object_or_404

from accounts.locations import location_ids_of
from core.policy import require

from .models import Patient
from .search import national_digits


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


def patient_list(*, query: str = "", limit: int = 50, user=None):
    """Patients matching a search, with their home location, in one query; only `user`'s when given."""
    patients = Patient.objects.all() if user is None else patients_visible_to(user)
    return patients.search(query).select_related("home_location")[:limit]


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
