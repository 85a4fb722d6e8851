"""Writing a review (the invitation's link without a sign-in, or the portal) and moderating them.

Thin views: each fetches through a scoped helper (results.reviews), calls one service and turns its
ValidationError into form errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import audit_list_read
from core.forms import apply_service_error
from core.http import no_referrer, no_store, token_landing
from core.policy import permission_required
from scheduling.models import CourseStatus

from . import reviews
from .models import Review, ReviewStatus
from .review_forms import ModerationForm, ReviewForm

TOKEN_SESSION_KEY = "review_invitation"


def _form(request, patient):
    return ReviewForm(request.POST or None, initial={"display_name": reviews.default_display_name(patient)})


def _submit(request, form, *, patient, course) -> Review | None:
    """Validate the form and call the one service; on refusal the form carries the errors."""
    if request.method != "POST" or not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return reviews.review_submit(
            patient=patient,
            course=course,
            rating=data["rating"],
            comment=data["comment"],
            display_name=data["display_name"],
            request=request,
        )
    except ValidationError as error:
        apply_service_error(form, error)
        return None


# ---------------------------------------------------------------- the invitation's link


@login_not_required
def write_landing_view(request, token: str):
    return token_landing(request, key=TOKEN_SESSION_KEY, value=token, next_name="reviews:write")


@login_not_required
@require_http_methods(["GET", "POST"])
def write_view(request):
    invitation = reviews.invitation_by_token(request.session.get(TOKEN_SESSION_KEY, ""))
    if invitation is None:
        message = _("This link is not valid. The review invitation may have been mistyped.")
        return no_referrer(render(request, "results/review_refused.html", {"message": message}, status=410))
    course, patient = invitation.course, invitation.patient
    if Review.objects.filter(course=course).exists():
        return no_referrer(render(request, "results/review_done.html", {"course": course, "already": True}))
    form = _form(request, patient)
    if _submit(request, form, patient=patient, course=course) is not None:
        request.session.pop(TOKEN_SESSION_KEY, None)
        return no_referrer(render(request, "results/review_done.html", {"course": course}))
    # no_store, not no_referrer: a form on a no-referrer page posts with "Origin: null", which CSRF refuses.
    return no_store(render(request, "results/review_form.html", {"form": form, "course": course}))


# ---------------------------------------------------------------- the portal


@permission_required("portal.use")
@require_http_methods(["GET", "POST"])
def portal_write_view(request, pk: int):
    course = reviews.own_course_get(request.user, pk)
    if Review.objects.filter(course=course).exists():
        messages.info(request, _("You have already reviewed this course. Thank you."))
        return redirect("portal:home")
    if course.status != CourseStatus.COMPLETED:
        messages.info(request, _("A course can be reviewed once it is completed."))
        return redirect("portal:home")
    form = _form(request, course.patient)
    if _submit(request, form, patient=course.patient, course=course) is not None:
        messages.success(request, _("Thank you: the review is sent. The clinic publishes it after reading it."))
        return redirect("portal:home")
    return no_store(render(request, "results/review_form.html", {"form": form, "course": course, "portal": True}))


# ---------------------------------------------------------------- moderation


@permission_required("review.moderate")
def moderation_view(request):
    """Reviews to moderate (pending first) and those already published or rejected."""
    status = request.GET.get("status", ReviewStatus.PENDING)
    if status not in ReviewStatus.values:
        status = ReviewStatus.PENDING
    mine = reviews.reviews_for_moderator(request.user)
    counts = dict(mine.order_by().values_list("status").annotate(n=Count("id")))
    shown = list(mine.filter(status=status).order_by("created_at", "id")[:200])
    audit_list_read(
        request=request,
        record_type="results.review",
        ids=[r.pk for r in shown],
        patient_ids=[r.patient_id for r in shown],
    )
    tabs = [(s.value, s.label, counts.get(s.value, 0)) for s in ReviewStatus]
    context = {"reviews": shown, "status": status, "tabs": tabs, "form": ModerationForm()}
    return no_store(render(request, "results/review_moderation.html", context))


@permission_required("review.moderate")
@require_POST
def moderate_view(request, pk: int):
    review = reviews.review_get_for_moderator(request.user, pk)
    form = ModerationForm(request.POST)
    back = redirect(f"{reverse('reviews:moderation')}?status={review.status}")
    if not form.is_valid():
        messages.error(request, _("Choose to publish or to reject."))
        return back
    try:
        reviews.review_moderate(
            actor=request.user,
            review=review,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if form.cleaned_data["decision"] == ReviewStatus.APPROVED:
            messages.success(request, _("The review is published."))
        else:
            messages.success(request, _("The review is rejected: it stays off the site."))
    return back
