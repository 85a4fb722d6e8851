"""Reminder emails written straight to bytes: the same message Django would build, safe headers."""

import email
from email import policy

import pytest
from django.core.mail import EmailMessage

from reminders import mail

SUBJECT = "Напоминание: Криомассаж кожи головы (контактный), Вторник 24 ноября 2026, 08:30"
BODY = "\n".join(
    ["Криомассаж, сеанс 1 из 10", "Когда: Вторник 24 ноября 2026, 08:30", ".A line that starts with a dot", "+7 495"]
)


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def test_the_rendered_email_reads_back_as_the_one_django_builds(settings):
    settings.DEFAULT_FROM_EMAIL = "Клиника <clinic@example.com>"
    ours = parsed(mail.render(subject=SUBJECT, body=BODY, to="maria@example.com", message_id="<dispatch-7@clinic>"))
    django = parsed(
        EmailMessage(SUBJECT, BODY, to=["maria@example.com"], headers={"Message-ID": "<dispatch-7@clinic>"})
        .message()
        .as_bytes(linesep="\r\n")
    )
    for header in ("Subject", "From", "To", "Message-ID", "Content-Type", "Content-Transfer-Encoding", "MIME-Version"):
        assert str(ours[header]) == str(django[header]).strip(), header  # Django folds a space into long subjects
    assert ours["Subject"] == SUBJECT and ours["From"].addresses[0].display_name == "Клиника"

    def text(message):
        return message.get_content().replace("\r\n", "\n").rstrip("\n")

    assert text(ours) == text(django) == BODY
    assert ours["Date"] is not None


def test_line_breaks_in_a_subject_cannot_add_headers():
    raw = mail.render(
        subject="Cryo\r\nBcc: everyone@example.com\nX-Evil: 1", body="text", to="maria@example.com", message_id="<m@x>"
    )
    message = parsed(raw)
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message["Subject"] == "Cryo Bcc: everyone@example.com X-Evil: 1"


@pytest.mark.parametrize(
    "to, body",
    [
        ("мария@пример.рф", "text"),  # non-ASCII address: Django's path encodes the domain
        ("maria@example.com\r\nBcc: x@example.com", "text"),
        ("Maria <maria@example.com>", "text"),
        ("maria@example.com", "x" * 1200),  # a line too long for 8bit: Django's path uses quoted-printable
    ],
)
def test_anything_unusual_is_left_to_djangos_general_path(to, body):
    assert mail.render(subject="Cryo", body=body, to=to, message_id="<m@x>") is None
