from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.utils import translation

from accounts.models import Location
from reminders.models import Dispatch, DispatchStatus
from scheduling.models import BookingRequest, CourseStatus, SessionStatus
from scheduling.services.combined import every_days

LOCALE = Path(__file__).resolve().parents[2] / "locale/ru/LC_MESSAGES"
COUNTS = (1, 2, 5, 11, 21, 22)


def _key(entry):
    return (entry.msgctxt, entry.msgid)


def test_every_russian_entry_is_translated_and_not_fuzzy():
    po = polib.pofile(str(LOCALE / "django.po"))
    assert len(po) > 200
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_the_compiled_catalogue_matches_the_source():
    """The committed .mo is `make messages`' output from the committed .po, contexts and plurals included."""
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))
    assert {_key(e): e.msgstr for e in po.translated_entries() if not e.msgid_plural} == {
        _key(e): e.msgstr for e in mo if e.msgid and not e.msgid_plural
    }
    assert {_key(e): e.msgstr_plural for e in po.translated_entries() if e.msgid_plural} == {
        _key(e): e.msgstr_plural for e in mo if e.msgid_plural
    }
    assert mo.metadata["Plural-Forms"].startswith("nplurals=4;")


def _ru(template: str, **context) -> str:
    with translation.override("ru"):
        return Template("{% load i18n %}" + template).render(Context(context)).strip()


@pytest.mark.parametrize(
    ("n", "words"),
    [(1, "1 сеанс"), (2, "2 сеанса"), (5, "5 сеансов"), (11, "11 сеансов"), (21, "21 сеанс"), (22, "22 сеанса")],
)
def test_a_number_of_sessions_reads_in_russian(n, words):
    # the patient page's course line, templates/procedures/patient_record.html
    assert _ru(
        "{% blocktranslate count n=n %}{{ n }} session{% plural %}{{ n }} sessions{% endblocktranslate %}", n=n
    ) == (words)


def test_days_hours_and_minutes_read_in_russian():
    with translation.override("ru"):
        assert [every_days(n) for n in COUNTS] == [
            "раз в 1 день",
            "раз в 2 дня",
            "раз в 5 дней",
            "раз в 11 дней",
            "раз в 21 день",
            "раз в 22 дня",
        ]
        assert [Dispatch(kind=f"before_{n}h").kind_display for n in COUNTS] == [
            "напоминание за 1 час",
            "напоминание за 2 часа",
            "напоминание за 5 часов",
            "напоминание за 11 часов",
            "напоминание за 21 час",
            "напоминание за 22 часа",
        ]
    locked = (
        "{% blocktranslate count minutes=minutes %}Too many failed attempts. Please wait {{ minutes }} minute and "
        "try again, or ask the clinic administrator.{% plural %}Too many failed attempts. Please wait {{ minutes }} "
        "minutes and try again, or ask the clinic administrator.{% endblocktranslate %}"
    )
    assert [_ru(locked, minutes=n).split("Подождите ")[1].split(" и ")[0] for n in COUNTS] == [
        "1 минуту",
        "2 минуты",
        "5 минут",
        "11 минут",
        "21 минуту",
        "22 минуты",
    ]
    catalogue = (
        "{% blocktranslate with a=a count b=b %}{{ a }}–{{ b }} session{% plural %}{{ a }}–{{ b }} sessions"
        "{% endblocktranslate %}"
    )
    assert [_ru(catalogue, a=1, b=n) for n in COUNTS] == [
        "1–1 сеанс",
        "1–2 сеанса",
        "1–5 сеансов",
        "1–11 сеансов",
        "1–21 сеанс",
        "1–22 сеанса",
    ]


def test_words_with_two_meanings_are_told_apart_by_their_context():
    with translation.override("ru"):
        assert str(BookingRequest._meta.get_field("name").verbose_name) == "имя"
        assert str(Location._meta.get_field("name").verbose_name) == "название"
        assert str(SessionStatus.COMPLETED.label) == "проведён"
        assert str(CourseStatus.COMPLETED.label) == "завершён"
        assert str(DispatchStatus.FAILED.label) == "не доставлено"
        assert translation.gettext("failed") == "не пройдена"  # the ice test's result
    assert _ru('{% translate "Cancel" context "a session" %}') == "Отменить сеанс"  # the glossary
    assert _ru('{% translate "Cancel" %}') == "Отмена"
    assert _ru('{% translate "Name" context "of a person" %}') == "Имя"
    assert _ru('{% translate "Name" context "of a thing" %}') == "Название"
