"""An email as a clinic writes it: a greeting by name, the message, a signature; text and HTML.

Every email to a patient goes through `letter()`: reminders, aftercare, change notices, portal links.
The caller gives what the message says (paragraphs, facts, one link), in the reader's language (under
`translation.override`); `letter()` adds the greeting, the signature with the branch's address and
phone, and the headers that say who wrote it and when: From with the clinic's name, Reply-To the
clinic's e-mail, a Date in the branch's time zone. Both parts come from templates/core/; the
HTML one escapes everything it is given.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import zoneinfo
from collections.abc import Sequence
from email.utils import format_datetime, parseaddr

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.branding import clinic
from core.net import site_host

# Russian patronymics (and their Latin spellings): they tell which words of a full name are the name.
PATRONYMIC = re.compile(r"(ович|евич|ич|овна|евна|ична|инична|оглы|кызы|ovich|evich|ovna|evna|ichna)$", re.I)


@dataclasses.dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str
    sender: tuple[str, str]  # (display name, address)
    reply_to: tuple[str, str] | None
    date: datetime.datetime  # aware, in the branch's time zone
    language: str

    @property
    def date_header(self) -> str:
        return format_datetime(self.date)


def form_of_address(full_name: str) -> str:
    """How a letter addresses the patient: the name and patronymic when the full name shows them
    ("Иванова Мария Петровна" and "Мария Петровна Иванова" both give "Мария Петровна"); otherwise the
    full name as written (two words cannot tell the name from the surname)."""
    words = full_name.split()
    if len(words) == 3 and PATRONYMIC.search(words[2]):
        return f"{words[1]} {words[2]}"
    if len(words) == 3 and PATRONYMIC.search(words[1]):
        return f"{words[0]} {words[1]}"
    return " ".join(words)


def sender() -> tuple[str, str]:
    """From: the clinic's name and the address of DEFAULT_FROM_EMAIL."""
    return clinic().name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def letter(
    *,
    subject: str,
    name: str,
    paragraphs: Sequence[str] = (),
    facts: Sequence[tuple[str, str]] = (),
    notes: Sequence[str] = (),
    action: tuple[str, str] | None = None,
    location=None,
    now: datetime.datetime | None = None,
) -> Letter:
    """The email in the active language. `paragraphs` come first, then `facts` ("When: ..."), then
    `notes`, then `action` (a label and a URL); `location` is the branch that signs (its address and
    phone) and whose time zone dates the email; without one, the clinic's own phone and zone."""
    brand = clinic()
    subject = subject if brand.name in subject else f"{subject} — {brand.name}"
    tz = location.tz if location is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)
    context = {
        "subject": subject,
        "greeting": _("Dear %(name)s,") % {"name": form_of_address(name)} if name else _("Hello,"),
        "paragraphs": [p for p in paragraphs if p],
        "facts": list(facts),
        "notes": [n for n in notes if n],
        "action": action,
        "clinic": brand,
        "location": location,
        "phone": location.phone if location is not None else brand.phone,
        "language": get_language() or settings.LANGUAGE_CODE,
    }
    return Letter(
        subject=subject,
        text=_tidy(render_to_string("core/letter.txt", context)),
        html=render_to_string("core/letter.html", context),
        sender=sender(),
        reply_to=(brand.name, brand.email) if brand.email else None,
        date=timezone.localtime(now or timezone.now(), tz),
        language=context["language"],
    )


def _tidy(text: str) -> str:
    """The text part without the template's blank-line noise: at most one empty line in a row."""
    lines = [line if line == "-- " else line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def message_id(kind: str, key: str) -> str:
    """A Message-ID in the site's own domain: `<kind.key@host>`; `key` must be random (a UUID) so that
    another environment, or this one after a database restore, never repeats it."""
    return f"<{kind}.{key}@{site_host()}>"
