from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.policy import allowed

# (label, url name, action that must be allowed)
NAVIGATION = [
    (_("Patients"), "patients:list", "patient.view"),
    (_("My day"), "scheduling:worklist", "session.record"),
    (_("Calendar"), "scheduling:calendar", "calendar.view"),
    (_("Free slots"), "scheduling:free-slots", "booking.view"),
    (_("Requests"), "scheduling:requests", "requests.handle"),
    (_("Waiting list"), "scheduling:waitlist", "waitlist.manage"),
    (_("Closures"), "scheduling:closures", "booking.manage"),
    (_("Nitrogen"), "scheduling:nitrogen", "nitrogen.view"),
    (_("Reports"), "reports:index", "reports.view"),
    (_("Cashier's day"), "billing:day", "billing.day"),
    (_("Procedures"), "procedures:catalogue", "catalogue.view"),
    (_("My sessions"), "portal:home", "portal.use"),
    (_("Administration"), "admin:index", "admin.site"),
    (_("Data protection"), "records:data-protection", "patient.data_protection"),
    (_("API"), "api-docs", "api.schema"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(label, reverse(name)) for label, name, action in NAVIGATION if allowed(user, action)]
    return {"nav_items": items}
