"""Why a message was not sent: stored untranslated, shown in the reader's language."""

from django.utils.translation import gettext_noop

SKIP_BOOKED_LATE = gettext_noop("booked or moved after this reminder was due")
SKIP_LATER_REMINDER = gettext_noop("too late: a later reminder is still to come")
SKIP_STARTED = gettext_noop("too late: the session has started")
SKIP_NOT_COMPLETED = gettext_noop("the session is no longer recorded as completed")
SKIP_NOT_SCHEDULED = gettext_noop("the session is no longer scheduled")
SKIP_MOVED = gettext_noop("the session was moved; the reminder for its new time replaces this one")
SKIP_NO_EMAIL_CONSENT = gettext_noop("the patient no longer accepts email reminders")
SKIP_NO_SMS_CONSENT = gettext_noop("the patient no longer accepts SMS reminders")
SKIP_HELD = gettext_noop("held: the session cannot happen as booked (see the warning on the course page)")
SKIP_CHANGED_AGAIN = gettext_noop("the plan changed again since; the later notice replaces this one")
SKIP_PASSED = gettext_noop("too late: the sessions it names have passed")
SKIP_NO_CLINICIAN_EMAIL = gettext_noop("the clinician has no email address or no longer works here")
SKIP_OFFER_CLOSED = gettext_noop("the waiting-list offer was answered, taken or has expired")
SKIP_REVIEWED = gettext_noop("the course has been reviewed already")
