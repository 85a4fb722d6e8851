from django.shortcuts import render

from accounts.policy import permission_required


@permission_required("portal.use")
def portal_home_view(request):
    """The patient's own start page. Sessions and courses join it with the booking issue."""
    patient = getattr(request.user, "patient", None)
    return render(request, "portal/home.html", {"patient": patient})
