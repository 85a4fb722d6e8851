from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.policy import allowed

# (label, url name, action that must be allowed, under "More"). The daily pages stay on the bar; the
# occasional ones sit under "More", so the bar of the busiest member of staff fits a 1280-px screen.
NAVIGATION = [
    (_("Patients"), "patients:list", "patient.view", False),
    (_("My day"), "scheduling:worklist", "session.record", False),
    (_("Calendar"), "scheduling:calendar", "calendar.view", False),
    (_("Free slots"), "scheduling:free-slots", "booking.view", False),
    (_("Requests"), "scheduling:requests", "requests.handle", False),
    (_("Waiting list"), "scheduling:waitlist", "waitlist.manage", True),
    (_("Closures"), "scheduling:closures", "booking.manage", True),
    (_("Nitrogen"), "scheduling:nitrogen", "nitrogen.view", False),
    (_("Reports"), "reports:index", "reports.view", True),
    (_("Cashier's day"), "billing:day", "billing.day", False),
    (_("Procedures"), "procedures:catalogue", "catalogue.view", True),
    (_("My sessions"), "portal:home", "portal.use", False),
    (_("My results"), "portal:results", "portal.use", False),
    (_("Administration"), "admin:index", "admin.site", False),
    (_("Reviews"), "reviews:moderation", "review.moderate", True),
    (_("Data protection"), "records:data-protection", "patient.data_protection", True),
    (_("API"), "api-docs", "api.schema", True),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_more": []}
    items, more = [], []
    for label, name, action, occasional in NAVIGATION:
        if allowed(user, action):
            (more if occasional else items).append((label, reverse(name)))
    return {"nav_items": items, "nav_more": more}
