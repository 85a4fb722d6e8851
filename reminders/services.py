"""The reminders' public doors, in one place for callers and tests: scan, enqueue, send, tick, links."""

from .delivery import MAX_ATTEMPTS, Outcome, backoff_seconds, send, send_batch  # noqa: F401
from .links import LINK_SALT, read_session_link, session_link  # noqa: F401
from .reasons import *  # noqa: F403  (every skip reason, SKIP_...)
from .scan import enqueue, in_quiet_hours, quiet_hours_end, scan  # noqa: F401
from .tasks import tick  # noqa: F401
from .texts import compose, compose_sms, session_number  # noqa: F401
