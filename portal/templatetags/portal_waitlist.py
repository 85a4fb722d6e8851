"""The portal home's "Waiting list" block: the patient's own entries and the way to join (its own block)."""

from django import template

from scheduling.waitlist_selectors import waitlist_of_patient

register = template.Library()


@register.inclusion_tag("portal/_waitlist.html")
def waitlist_block(patient):
    return {"entries": list(waitlist_of_patient(patient)[:20]) if patient else []}
