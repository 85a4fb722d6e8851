"""Moved to core.mail (consents, below reminders, sends letters too). Kept for delivery.py's
`from . import mail` while other work on that file is in flight; import core.mail instead."""

from core.mail import headers, is_smtp, message, render, send  # noqa: F401
