"""The results pages for clinicians: checks, their trichoscopy and photos."""

from django.http import FileResponse

from audit.models import Action
from audit.services import audit_record
from core.http import no_store
from core.policy import permission_required

from . import selectors


def photo_response(request, photo, *, thumbnail: bool):
    """The photo's JPEG (or its thumbnail), never cached, after writing who looked at it."""
    audit_record(
        request=request,
        action=Action.VIEW,
        patient=photo.patient_id,
        record=photo,
        detail={"photo": photo.zone, "thumbnail": thumbnail},
    )
    field = photo.thumbnail if thumbnail and photo.thumbnail else photo.image
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}.jpg"'
    response["X-Content-Type-Options"] = "nosniff"
    return no_store(response)


@permission_required("results.view")
def photo_file(request, pk: int):
    """A results photo, only through this view (the private storage has no URL)."""
    return photo_response(request, selectors.photo_get_for_user(request.user, pk), thumbnail=False)


@permission_required("results.view")
def photo_thumbnail(request, pk: int):
    return photo_response(request, selectors.photo_get_for_user(request.user, pk), thumbnail=True)
