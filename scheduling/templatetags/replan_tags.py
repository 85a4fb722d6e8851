"""The note beside each session of a proposed re-plan: why it moves, or why it cannot."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def replan_note(placement, closure=None) -> str:
    """A closure's re-plan names the closure on the sessions it hits; the rest keep the spacing."""
    if placement.problem:
        return placement.problem
    if placement.ineligible:
        return "; ".join(placement.ineligible)
    if not placement.changed:
        return _("stays")
    if not closure:  # the move page has none (an unknown template variable reads as "")
        return _("moves")
    if closure.starts_on <= timezone.localdate(placement.old_start) <= closure.ends_on:
        return _("the clinic is closed: %(reason)s") % {"reason": closure.reason}
    return _("moves to keep the course's spacing")
