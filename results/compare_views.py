"""The before-and-after of a course for clinicians: two checks side by side, the trend, a PDF for the patient."""

from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from core.http import no_store
from core.policy import permission_required

from .compare_selectors import course_comparison_for_user, plain_sentences
from .comparison import table
from .pdf import comparison_pdf


def check_param(request, name: str) -> int | None:
    """A check's id from the query string (?from=12&to=15); absent is None, anything but digits 400."""
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise BadRequest(f"{name}: not a check")
    return int(value)


def _comparison(request, pk: int):
    result = course_comparison_for_user(
        request.user, pk, from_pk=check_param(request, "from"), to_pk=check_param(request, "to")
    )
    return result


def _audit(request, result, **detail):
    audit_record(
        request=request,
        action=Action.VIEW,
        patient=result.course.patient_id,
        record=result.course,
        detail={
            "comparison": [getattr(result.before, "pk", None), getattr(result.after, "pk", None)],
            **detail,
        },
    )


@permission_required("results.view")
def compare_view(request, pk: int):
    """Pick two checks (first and latest by default); their figures, changes, photos; the trend."""
    result = _comparison(request, pk)
    _audit(request, result)
    with timezone.override(result.course.location.tz):
        context = {
            "course": result.course,
            "patient": result.course.patient,
            "result": result,
            "rows": table(result.zones),
            "sentences": plain_sentences(result),
        }
        return no_store(render(request, "results/compare.html", context))


@permission_required("results.view")
def compare_pdf_view(request, pk: int):
    """The comparison as a PDF to hand to the patient, in the patient's language."""
    result = _comparison(request, pk)
    _audit(request, result, pdf=True)
    patient = result.course.patient
    response = HttpResponse(comparison_pdf(result, patient=patient), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="results-course-{result.course.pk}.pdf"'
    return no_store(response)
