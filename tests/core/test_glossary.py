"""The clinic's Russian (README, "Glossary (Russian)"): the words it uses, never the ones it does not, and
plurals with the three forms Russian needs."""

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale/ru/LC_MESSAGES/django.po"

# What a Russian clinic does not write, and what it writes instead.
FORBIDDEN = {
    r"ледов": "«холодовая проба», never «ледовая»",
    r"скрининг": "«осмотр» (or «консультация») where a person reads it",
    r"регистратор": "«администратор» for the front desk",
    r"допущен": "«допуск: есть» / «допуск: нет»: no gender agreement that can be wrong",
    r"\w\((а|а?ла|на|ло)\)": "no «проверил(а)»: write it so that no gender is needed",
}
# Plurals whose "few" (2-4) and "many" (5-20) forms are rightly the same: the number is governed by a
# preposition or a verb that asks for the genitive plural either way, or the noun only tells one from several.
FEW_IS_MANY = {
    "The JSON body is nested too deeply (more than %(n)d level).",  # больше 2/5 уровней
    "A course of this procedure has %(a)d to %(b)d session.",  # до 2/5 сеансов
    "The screening of %(date)s covers sessions up to %(until)s; session %(sessions)s needs a new one.",
    "The ice test of %(date)s covers sessions up to %(until)s; session %(sessions)s needs a new one.",
    "Session %(sessions)s: %(reason)s",  # сеанс / сеансы, a list of numbers
    "An outcome can be corrected until %(hours)d hour after the session.",  # в течение 2/5 часов
    "If the clinic has this phone number or email, a sign-in link is on its way. It works once, for "
    "%(minutes)s minute.",  # в течение 2/5 минут
    "%(done)s of %(total)s session done",  # из 2/5 сеансов
    "%(used)s of %(total)s session used",  # из 2/5 сеансов
    "%(clinic)s has re-planned your course: %(count)d session has a new date.",  # у 2/5 сеансов
    "A course of %(n)s session",  # курс из 2/5 сеансов
    "Average rating %(average)s of 5 from %(n)s review",  # по 2/5 отзывам
    "a new time for %(n)s cancelled session",  # для 2/5 отменённых сеансов
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{\{ ?(\w+) ?\}\}")


def _entries():
    return [e for e in polib.pofile(str(PO)) if not e.obsolete and e.msgid]


def _texts(entry):
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def _source_files():
    skip = {".venv", "node_modules", "staticfiles", ".git", "tests", ".data"}
    for path in ROOT.rglob("*"):
        if path.suffix in {".py", ".html", ".txt"} and not skip.intersection(path.relative_to(ROOT).parts):
            yield path


@pytest.mark.parametrize("pattern", FORBIDDEN)
def test_no_russian_translation_uses_a_word_the_clinic_does_not(pattern):
    offenders = [(e.msgid, text) for e in _entries() for text in _texts(e) if re.search(pattern, text, re.I)]
    assert offenders == [], FORBIDDEN[pattern]


@pytest.mark.parametrize("pattern", FORBIDDEN)
def test_no_russian_in_code_templates_or_seed_data_uses_a_word_the_clinic_does_not(pattern):
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _source_files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(pattern, line, re.I) and "FORBIDDEN" not in line
    ]
    assert offenders == [], FORBIDDEN[pattern]


def test_every_translation_keeps_the_placeholders_of_its_original():
    wrong = []
    for e in _entries():
        wanted = {m.group(1) or m.group(2) for m in PLACEHOLDER.finditer(e.msgid)}
        for text in _texts(e):
            found = {m.group(1) or m.group(2) for m in PLACEHOLDER.finditer(text)}
            if found != wanted and not (e.msgid_plural and found < wanted):  # a count may be left out
                wrong.append((e.msgid, text))
    assert wrong == []


def test_the_catalogue_picks_russian_plural_forms_by_the_standard_rule():
    header = polib.pofile(str(PO)).metadata["Plural-Forms"]
    assert header.startswith("nplurals=4;")
    entry = "%(n)s session"
    with translation.override("ru"):
        forms = [
            translation.ngettext(entry, "%(n)s sessions", n) % {"n": n} for n in (1, 2, 5, 11, 12, 21, 22, 25, 111)
        ]
    assert forms == [
        "1 сеанс",
        "2 сеанса",
        "5 сеансов",
        "11 сеансов",
        "12 сеансов",
        "21 сеанс",
        "22 сеанса",
        "25 сеансов",
        "111 сеансов",
    ]


def test_every_plural_has_its_russian_forms_and_they_differ_where_russian_tells_them_apart():
    problems = []
    for e in _entries():
        if not e.msgid_plural:
            continue
        forms = [e.msgstr_plural.get(i, "") for i in range(4)]
        one, few, many = forms[:3]  # the fourth is for fractions (1,5 минуты): present is enough
        if not all(forms):
            problems.append(("missing form", e.msgid))
        elif one == many:
            problems.append(("one = many", e.msgid))
        elif few == many and e.msgid not in FEW_IS_MANY:
            problems.append(("few = many (add to FEW_IS_MANY only if Russian wants it)", e.msgid))
        elif few != many and e.msgid in FEW_IS_MANY:
            problems.append(("FEW_IS_MANY lists an entry whose forms differ", e.msgid))
    assert problems == []


def test_the_glossary_is_in_the_readme_for_later_strings_to_follow():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Glossary (Russian)", 1)[1].split("\n## ", 1)[0]
    for word in (
        "холодовая проба",
        "осмотр",
        "администратор",
        "Отменить сеанс",
        "вид противопоказания",
        "допуск: есть",
    ):
        assert word in section
    for word in ("ледовая", "скрининг", "регистратор"):
        assert word in section  # named as what not to write


def test_the_front_desk_and_the_cancel_button_read_as_the_clinic_says():
    from core.roles import Role
    from procedures.models import Contraindication

    with translation.override("ru"):
        assert str(Role.REGISTRAR.label) == "Администратор"
        assert str(Role.ADMINISTRATOR.label) == "Управляющий клиникой"  # not a second «администратор»
        assert translation.pgettext("a session", "Cancel") == "Отменить сеанс"
        assert str(Contraindication._meta.get_field("severity").verbose_name) == "вид противопоказания"
        assert translation.gettext("cleared") == "допуск: есть"
        assert translation.gettext("not cleared") == "допуск: нет"
