"""The results pages for clinicians: checks, their trichoscopy and photos."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import Action
from audit.services import audit_record
from core.forms import apply_service_error
from core.http import no_store
from core.policy import permission_required
from scheduling.selectors import course_get_for_user

from . import selectors, services
from .forms import CheckForm, CheckWithdrawForm, TrichoscopyForm, WithdrawForm
from .models import Check, CheckKind, MeasurementZone, Photo, PhotoZone, Trichoscopy, ZoneMeasurement

MAX_FILES_PER_UPLOAD = 20  # a check's standard set is 7 zones; room for retakes
UPLOAD_BODY_MAX = MAX_FILES_PER_UPLOAD * services.PHOTO_LIMITS.max_bytes // 4  # ~75 MB in one post


# Opened on its own, the JPEG is shown by the browser's image viewer, which styles the page inline (fit
# to the screen, centred): under the site's strict style-src a phone showed only the photo's corner.
# The response is an image with nosniff, nothing in it can run, so its own policy allows those styles.
PHOTO_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"


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
    response["Content-Security-Policy"] = PHOTO_CSP
    return no_store(response)


@permission_required("results.view")
def photo_file(request, pk: int):
    """A results photo, only through this view (the private storage has no URL)."""
    return photo_response(request, selectors.photo_get_for_user(request.user, pk), thumbnail=False)


@permission_required("results.view")
def photo_thumbnail(request, pk: int):
    return photo_response(request, selectors.photo_get_for_user(request.user, pk), thumbnail=True)


def _zones():
    return list(MeasurementZone.objects.filter(active=True))


def _initial_kind(request, course) -> dict:
    kind = request.GET.get("kind", "")
    initial = {"kind": kind if kind in CheckKind.values else CheckKind.BASELINE}
    if request.GET.get("after", "").isdigit():
        initial["after_session"] = int(request.GET["after"])
    return initial


@permission_required("results.record")
@require_http_methods(["GET", "POST"])
def check_create_view(request, course_pk: int):
    course = course_get_for_user(request.user, course_pk, action="results.record")
    with timezone.override(course.location.tz):
        form = CheckForm(request.POST or None, course=course, zones=_zones(), initial=_initial_kind(request, course))
        if request.method == "POST" and form.is_valid():
            try:
                check = services.check_create(
                    actor=request.user,
                    request=request,
                    course=course,
                    kind=form.cleaned_data["kind"],
                    after_session=form.cleaned_data["after_session"],
                    taken_at=form.cleaned_data["taken_at"],
                    reading=form.reading() if form.has_reading() else None,
                )
            except ValidationError as error:
                if getattr(error, "code", None) == "check_exists":  # it is the choice of check that is wrong
                    form.add_error("kind", error)
                else:
                    apply_service_error(form, error)
            else:
                messages.success(request, _("The check is recorded."))
                return redirect(check)
        return render(request, "results/check_form.html", {"form": form, "course": course, "patient": course.patient})


def _check_page_context(check: Check) -> dict:
    versions = list(
        Trichoscopy.objects.filter(result_check=check)
        .order_by("-version")
        .select_related("signed_by")
        .prefetch_related(Prefetch("measurements", queryset=ZoneMeasurement.objects.select_related("zone")))
    )
    photos = list(check.photos.order_by("zone", "uploaded_at").select_related("withdrawn_by"))
    shown = [p for p in photos if p.shown]
    return {
        "check": check,
        "course": check.course,
        "patient": check.patient,
        "current": versions[0] if versions else None,
        "older": versions[1:],
        "photos": shown,
        "withdrawn": [p for p in photos if p.withdrawn_at and not p.erased_at],
        "photo_zones": PhotoZone.choices,
        "max_mb": services.PHOTO_LIMITS.max_bytes // 2**20,
    }


@permission_required("results.view")
def check_view(request, pk: int):
    """A check: the newest figures of each zone, older versions with reason and signer, the photos. Audited."""
    check = selectors.check_get_for_user(request.user, pk)
    context = _check_page_context(check)
    audit_record(
        request=request,
        action=Action.VIEW,
        patient=check.patient_id,
        record=check,
        detail={
            "versions": [v.pk for v in filter(None, [context["current"], *context["older"]])],
            "photos": [p.pk for p in context["photos"]],
        },
    )
    with timezone.override(check.location.tz):
        return render(request, "results/check.html", {**context, "withdraw_form": WithdrawForm()})


@permission_required("results.record")
@require_POST
def check_withdraw_view(request, pk: int):
    check = selectors.check_get_for_user(request.user, pk)
    form = CheckWithdrawForm(request.POST)
    refused = f"{check.get_absolute_url()}?withdraw=refused#check-withdraw"  # the form open again, in view
    if not form.is_valid():
        messages.error(request, _("Say why the check is withdrawn."))
        return redirect(refused)
    try:
        services.check_withdraw(actor=request.user, request=request, check=check, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(refused)
    messages.success(request, _("The check is withdrawn; its record stays. Its place in the course is free again."))
    return redirect(check.course or check.patient)


@permission_required("results.record")
@require_http_methods(["GET", "POST"])
def trichoscopy_create_view(request, pk: int):
    """The trichoscopy of a check recorded without one."""
    check = selectors.check_get_for_user(request.user, pk)
    newest = _newest_version(check)
    if request.method == "GET" and newest:  # a stale link or tab: say so before the figures are typed, not after
        messages.info(request, _("This check already has its trichoscopy: correct it instead."))
        return redirect("results:trichoscopy-amend", newest.pk)
    form = TrichoscopyForm(request.POST or None, zones=_zones())
    if request.method == "POST" and form.is_valid():
        try:
            services.trichoscopy_sign(actor=request.user, request=request, check=check, reading=form.reading())
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The trichoscopy is signed."))
            return redirect(check)
    with timezone.override(check.location.tz):  # the check's time, as its branch's clock said it
        return render(request, "results/check_form.html", {"form": form, "check": check, "patient": check.patient})


def _newest_version(check: Check) -> Trichoscopy | None:
    return Trichoscopy.objects.filter(result_check=check).order_by("-version").first()


def _trichoscopy_for_user(user, pk: int) -> Trichoscopy:
    checks = selectors.checks_for_user(user)
    return get_object_or_404(
        Trichoscopy.objects.filter(result_check__in=checks).select_related("result_check__patient", "patient"), pk=pk
    )


@permission_required("results.record")
@require_http_methods(["GET", "POST"])
def trichoscopy_amend_view(request, pk: int):
    """Correct a trichoscopy version: the form starts from it; the correction is the chain's next version."""
    previous = _trichoscopy_for_user(request.user, pk)
    check = previous.result_check
    newest = _newest_version(check)
    if request.method == "GET" and newest.pk != previous.pk:  # an older version's link: correct the newest
        messages.info(request, _("This version has already been corrected; amend the newest version."))
        return redirect("results:trichoscopy-amend", newest.pk)
    if request.method == "GET":  # the form shows every figure on record: opening it is a read
        audit_record(
            request=request, action=Action.VIEW, patient=check.patient_id, record=previous, detail={"form": "amend"}
        )
    zones = _zones()
    form = TrichoscopyForm(
        request.POST or None, zones=zones, amend=True, initial=TrichoscopyForm.initial_from(previous)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.trichoscopy_amend(
                actor=request.user,
                request=request,
                previous=previous,
                reason=form.cleaned_data["amendment_reason"],
                reading=form.reading(),
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The correction is signed as a new version."))
            return redirect(check)
    with timezone.override(check.location.tz):
        return render(
            request,
            "results/check_form.html",
            {"form": form, "check": check, "patient": check.patient, "amending": previous},
        )


def _upload_too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > UPLOAD_BODY_MAX
    except ValueError:
        return True


@permission_required("results.record")
@require_POST
def photo_upload_view(request, pk: int):
    """The standard photos of a check, a file input per zone (several files each); each kept or refused."""
    check = selectors.check_get_for_user(request.user, pk)
    if _upload_too_large(request):
        messages.error(
            request, _("Too much at once: send at most %(mb)d MB in one go.") % {"mb": UPLOAD_BODY_MAX // 2**20}
        )
        return redirect(check)
    files = [(zone, upload) for zone in PhotoZone.values for upload in request.FILES.getlist(f"photo-{zone}")]
    if not files:
        messages.error(request, _("Choose or take at least one photo."))
    if len(files) > MAX_FILES_PER_UPLOAD:
        messages.error(request, _("At most %(n)d photos at once.") % {"n": MAX_FILES_PER_UPLOAD})
        return redirect(check)
    kept = 0
    for zone, upload in files:
        try:
            services.photo_add(actor=request.user, request=request, check=check, zone=zone, upload=upload)
        except ValidationError as error:
            messages.error(request, f"{capfirst(PhotoZone(zone).label)}, {upload.name}: {' '.join(error.messages)}")
        else:
            kept += 1
    if kept:
        messages.success(request, _("Photos kept: %(n)d.") % {"n": kept})
    return redirect(check)


def _photo_for_recording(user, pk: int) -> Photo:
    return selectors.photo_get_for_user(user, pk)


@permission_required("results.record")
@require_POST
def photo_withdraw_view(request, pk: int):
    photo = _photo_for_recording(request.user, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the photo is withdrawn."))
        return redirect(photo.result_check)
    try:
        services.photo_withdraw(actor=request.user, request=request, photo=photo, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The photo is withdrawn; the record of it stays."))
    return redirect(photo.result_check)


@permission_required("results.record")
@require_POST
def photo_publishable_view(request, pk: int):
    photo = _photo_for_recording(request.user, pk)
    publishable = request.POST.get("publishable") == "1"
    try:
        services.photo_set_publishable(actor=request.user, request=request, photo=photo, publishable=publishable)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(photo.result_check)
