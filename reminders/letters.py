"""Moved to core.letters (consents, below reminders, writes letters too). Kept for delivery.py's
`from . import letters` while other work on that file is in flight; import core.letters instead."""

from core.letters import Letter, form_of_address, letter, message_id, sender  # noqa: F401
