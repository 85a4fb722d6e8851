from django.shortcuts import render
from django.utils import timezone

from accounts.policy import permission_required
from scheduling.models import Session, SessionStatus


@permission_required("portal.use")
def portal_home_view(request):
    """The patient's own start page: their upcoming sessions, nobody else's."""
    patient = getattr(request.user, "patient", None)
    sessions = []
    if patient is not None:
        sessions = list(
            Session.objects.filter(patient=patient, status=SessionStatus.SCHEDULED, end__gte=timezone.now())
            .select_related("clinician", "course__procedure", "location")
            .order_by("start")[:30]
        )
    tz = patient.home_location.tz if patient is not None else timezone.get_current_timezone()
    with timezone.override(tz):
        return render(request, "portal/home.html", {"patient": patient, "sessions": sessions})
