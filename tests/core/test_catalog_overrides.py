"""Our Russian catalogue must not replace Django's own words: a msgid of ours that Django uses too
(the admin's "View") gets a context, so the admin keeps Django's translation."""

from django.utils import translation
from django.utils.translation import gettext

from scheduling.forms import CalendarForm


def test_the_admin_view_link_keeps_djangos_russian_and_the_calendar_keeps_its_own():
    django_word = "View"  # a variable: makemessages must not copy Django's word into our catalogue
    with translation.override("ru"):
        assert gettext(django_word) == "Просмотреть"
        assert str(CalendarForm().fields["view"].label) == "Вид"
