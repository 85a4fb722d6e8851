"""The patient's "My results": their own checks, each course's first and latest compared in plain words,
the trend, and the photos of their own checks (served here, never from a public address).

Everything is looked up through the signed-in patient: another patient's check or photo is never
found (404). Each page and each photo writes an audit event.
"""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from core.http import no_store
from core.policy import permission_required
from results.compare_selectors import patient_results, plain_sentences
from results.comparison import table
from results.selectors import patient_photo_get
from results.views import photo_response

from . import services


@permission_required("portal.use")
def results_view(request):
    """The patient's checks, course by course (the latest first), compared first to latest."""
    patient = services.own_patient(request.user)
    if patient is None:
        return render(request, "portal/results.html", {"patient": None})
    courses = patient_results(patient)
    audit_record(
        request=request,
        action=Action.VIEW,
        patient=patient,
        record_type="results.check",
        detail={"portal_results": sum(len(c.comparison.checks) for c in courses)},
    )
    with timezone.override(patient.home_location.tz):
        sections = [
            {
                "course": item.course,
                "result": item.comparison,
                "rows": table(item.comparison.zones),
                "sentences": plain_sentences(item.comparison),
                "prefix": f"results-{n}",  # the chart's ids, one set per course (an SVG id starts with a letter)
            }
            for n, item in enumerate(courses, start=1)
        ]
        return no_store(render(request, "portal/results.html", {"patient": patient, "sections": sections}))


def _own_photo(request, pk: int):
    patient = services.own_patient(request.user)
    if patient is None:
        raise Http404
    return patient_photo_get(patient, pk)


@permission_required("portal.use")
def results_photo_view(request, pk: int):
    """One of the patient's own photos, full size (audited, never cached)."""
    return photo_response(request, _own_photo(request, pk), thumbnail=False)


@permission_required("portal.use")
def results_thumbnail_view(request, pk: int):
    return photo_response(request, _own_photo(request, pk), thumbnail=True)
