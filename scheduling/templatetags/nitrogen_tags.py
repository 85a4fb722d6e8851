"""The administrators' dashboard line for liquid nitrogen: dewars whose refill must be ordered now."""

from django import template

from ..dewars import dewar_states, dewars_for_user

register = template.Library()


@register.inclusion_tag("scheduling/_nitrogen_alerts.html", takes_context=True)
def nitrogen_alerts(context):
    user = context["request"].user
    states = [s for s in dewar_states(dewars_for_user(user)) if s.needs_order or (s.forecast and s.forecast.first_dry)]
    return {"states": states}
