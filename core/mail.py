"""Patients' emails as MIME: written straight to bytes for an SMTP connection, or Django's EmailMessage.

Django's EmailMessage builds a general MIME tree and folds every header through the standard
library's `email.header` machinery: about 0.6 ms of CPU per message, a third of a reminder's cost in
the worker. A letter (core.letters) is always the same shape (multipart/alternative: a UTF-8
text part and a UTF-8 HTML part, one recipient), so for Django's SMTP backend it is written here
directly, with the standard library encoding the headers that need it (subject, From, Reply-To).
Anything outside that shape (a non-ASCII address, a line too long for 8bit) returns None and goes
through Django's EmailMultiAlternatives, with the same headers; other backends (console, file,
in-memory) always do.
"""

from __future__ import annotations

import uuid
from email.header import Header

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

from .letters import Letter

MAX_LINE_BYTES = 998  # RFC 5322: longer lines need quoted-printable, which Django's path does


def is_smtp(connection) -> bool:
    return isinstance(connection, SmtpBackend)


def _one_line(value: str) -> str:
    """A header value on one line: line breaks in the source text become spaces (no header injection)."""
    return " ".join(value.split())


def _address(pair: tuple[str, str]) -> str:
    return sanitize_address((_one_line(pair[0]), pair[1]), "utf-8")


def headers(letter: Letter, message_id: str) -> dict[str, str]:
    """The headers both paths add: a Message-ID of ours, the Date in the branch's zone, and
    Auto-Submitted (RFC 3834), so that autoresponders do not answer a machine."""
    return {
        "Date": letter.date_header,
        "Message-ID": message_id,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",  # the same request, in the dialect of Microsoft's servers
    }


def _part(content_type: str, content: str) -> list[bytes] | None:
    lines = [line.encode("utf-8") for line in content.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    if any(len(line) > MAX_LINE_BYTES for line in lines):
        return None
    head = [f'Content-Type: {content_type}; charset="utf-8"'.encode(), b"Content-Transfer-Encoding: 8bit", b""]
    return head + lines


def render(letter: Letter, *, to: str, message_id: str) -> bytes | None:
    """The message as SMTP-ready bytes, or None when it needs Django's general path."""
    if not to.isascii() or _one_line(to) != to or any(c in to for c in '<>,;"()'):
        return None
    if not message_id.isascii() or _one_line(message_id) != message_id:
        return None
    text, html = _part("text/plain", letter.text), _part("text/html", letter.html)
    if text is None or html is None:
        return None
    boundary = f"=_{uuid.uuid4().hex}"  # 128 random bits: no text contains it by chance
    subject = _one_line(letter.subject)
    head = [
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "Subject: "
        + Header(subject, "us-ascii" if subject.isascii() else "utf-8", header_name="Subject").encode(linesep="\r\n"),
        "From: " + _address(letter.sender),
        "To: " + to,
    ]
    if letter.reply_to:
        head.append("Reply-To: " + _address(letter.reply_to))
    head += [f"{name}: {value}" for name, value in headers(letter, message_id).items()]
    mark = f"--{boundary}".encode()
    body = [mark, *text, mark, *html, mark + b"--", b""]
    return "\r\n".join(head).encode("ascii") + b"\r\n\r\n" + b"\r\n".join(body)


def send(connection: SmtpBackend, raw: bytes, to: str, letter: Letter) -> None:
    """Hand the bytes to the SMTP server over Django's connection (its host, port, TLS and login)."""
    connection.open()  # a no-op once open; a failure here is a transient send failure
    connection.connection.sendmail(letter.sender[1], [to], raw)


def message(letter: Letter, *, to: str, message_id: str, connection=None) -> EmailMultiAlternatives:
    """The same letter as Django's message, for every other backend or shape."""
    email = EmailMultiAlternatives(
        _one_line(letter.subject),
        letter.text,
        from_email=_address(letter.sender),
        to=[to],
        reply_to=[_address(letter.reply_to)] if letter.reply_to else None,
        headers=headers(letter, message_id),
        connection=connection,
    )
    email.attach_alternative(letter.html, "text/html")
    return email
