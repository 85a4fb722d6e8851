"""The portal home's "Waiting list" block: the patient's own entries and the way to join (its own block)."""

from django import template

from scheduling.waitlist_selectors import waitlist_of_patient

register = template.Library()


@register.inclusion_tag("portal/_waitlist.html")
def waitlist_block(patient):
    # No query for a patient read without one entry (portal.selectors.home_patient's `on_waitlist`).
    entries = list(waitlist_of_patient(patient)[:20]) if patient and getattr(patient, "on_waitlist", True) else []
    # Entries the clinic made itself for cancelled sessions of a course (the replacement comes first):
    # she asked for nothing, so one folded line says it and the sessions stay first on a phone.
    return {"entries": entries, "only_replacements": bool(entries) and all(e.replaces_id for e in entries)}
