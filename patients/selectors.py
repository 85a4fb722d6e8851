from django.db.models import Q

from .models import Patient
from .search import national_digits


def patient_list(*, query: str = "", limit: int = 50):
    """Patients matching a search, with their home location, in one query."""
    return Patient.objects.search(query).select_related("home_location")[:limit]


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
    return qs.order_by("full_name")[:10]
