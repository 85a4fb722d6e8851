"""{% consent_status patient procedure %}: where a patient stands with the consent forms, and the
buttons to sign in the clinic or send a signing link (for the user's role), on any staff page."""

from django import template

from core.policy import allowed

from ..models import Requirement
from ..selectors import patient_form_statuses

register = template.Library()


@register.inclusion_tag("consents/_status.html", takes_context=True)
def consent_status(context, patient, procedure=None):
    request = context["request"]
    user = request.user
    rows = patient_form_statuses(patient, procedure_ids=[procedure.pk] if procedure is not None else None)
    for row in rows:
        row.required_label = Requirement(row.required).label if row.required else ""
    return {
        "rows": rows,
        "patient": patient,
        "can_view": allowed(user, "consent.view"),
        "can_witness": allowed(user, "consent.witness"),
        "can_send": allowed(user, "consent.send"),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
