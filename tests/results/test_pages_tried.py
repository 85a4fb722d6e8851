"""What a trichologist ran into trying the results pages in a browser, in Russian, on a phone and a laptop;
each test pins the fix of one thing that was wrong."""

from decimal import Decimal as D

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from results import services
from results.forms import TrichoscopyForm
from results.models import Check, CheckKind
from results.validation import Figures, Reading
from tests.billing.conftest import deliver, make_course

from ..conftest import login
from .conftest import make_check, make_photo, make_trichoscopy

pytestmark = pytest.mark.django_db

RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}


def test_a_share_written_with_a_russian_comma_is_kept_as_written(clinician, patient, cryo, registrar):
    """A number box dropped the comma of "62,5" (the browser sent 625, the form said "a share is 0-100")."""
    course = make_course(registrar, patient, cryo, clinician=clinician)
    client = login(clinician)
    url = reverse("results:check-create", args=[course.pk])
    page = client.get(url, **RU).content.decode()
    assert 'name="frontoparietal-terminal_share"' in page
    assert 'type="number" name="frontoparietal-terminal_share"' not in page and 'inputmode="decimal"' in page
    form = {
        "kind": "baseline",
        "method": "trichoscopy",
        "frontoparietal-density": "200",
        "frontoparietal-terminal_share": "62,5",
        "frontoparietal-vellus_share": "37.5",  # a point still reads
        "frontoparietal-mean_diameter": "55,5",
    }
    answer = client.post(url, form, **RU)
    assert answer.status_code == 302
    figures = Check.objects.get(course=course).trichoscopies.get().measurements.get()
    assert (figures.terminal_share, figures.vellus_share, figures.mean_diameter) == (D("62.5"), D("37.5"), D("55.5"))


def test_the_correction_form_shows_the_figures_as_the_page_writes_them(results_course, clinician):
    record = results_course.result_checks.get(kind=CheckKind.BASELINE).trichoscopies.get()
    page = login(clinician).get(reverse("results:trichoscopy-amend", args=[record.pk]), **RU).content.decode()
    assert 'value="55,0"' in page and 'value="52,0"' in page  # not "55.0" next to a page that says 55,0


def test_a_typo_in_a_figure_is_said_next_to_it_and_nothing_is_saved(clinician, patient, cryo, registrar):
    course = make_course(registrar, patient, cryo, clinician=clinician)
    form = {"kind": "baseline", "method": "trichoscopy", "frontoparietal-density": "200"}
    form["frontoparietal-mean_diameter"] = "5о"  # a Cyrillic о for a zero
    page = login(clinician).post(reverse("results:check-create", args=[course.pk]), form, **RU)
    assert page.status_code == 200 and "Введите число." in page.content.decode()
    assert not Check.objects.exists()


def test_the_grade_names_its_scale_in_a_closed_select(clinician, patient, cryo, registrar):
    """A closed select shows the option only: "I" alone did not say Ludwig or Hamilton."""
    course = make_course(registrar, patient, cryo, clinician=clinician)
    page = login(clinician).get(reverse("results:check-create", args=[course.pk]), **RU).content.decode()
    assert '<option value="ludwig:I">Людвиг: I</option>' in page
    assert '<option value="hamilton:3v">Гамильтон–Норвуд: 3v</option>' in page


def test_a_new_check_is_recorded_and_only_figures_are_signed(clinician, patient, cryo, registrar):
    """The new check's button said «Подписать» even with no figures, when nothing is signed."""
    course = make_course(registrar, patient, cryo, clinician=clinician)
    page = login(clinician).get(reverse("results:check-create", args=[course.pk]), **RU).content.decode()
    assert ">Записать контроль</button>" in page and ">Подписать</button>" not in page
    assert "Показатели, внесённые здесь, подписываются вашим именем." in page
    check = make_check(course, kind=CheckKind.BASELINE, days_ago=0, clinician=clinician)
    page = login(clinician).get(reverse("results:trichoscopy-create", args=[check.pk]), **RU).content.decode()
    assert ">Подписать</button>" in page


def test_a_refused_photo_is_named_by_its_zone_with_a_capital(results_course, clinician):
    check = results_course.result_checks.get(kind=CheckKind.BASELINE)
    fake = SimpleUploadedFile("IMG_0002.jpg", b"hello, not a photo", content_type="image/jpeg")
    answer = login(clinician).post(reverse("results:photo-upload", args=[check.pk]), {"photo-frontal": fake}, **RU)
    [message] = [str(m) for m in get_messages(answer.wsgi_request)]
    assert message.startswith("Лобная зона, IMG_0002.jpg: ")


def test_a_photo_opened_on_its_own_lets_the_browser_fit_it_to_the_screen(results_course, clinician):
    """The site's style-src 'self' blocked the image viewer's own styles: a phone showed a corner of the photo."""
    photo = make_photo(results_course.result_checks.get(kind=CheckKind.FINAL), clinician=clinician)
    answer = login(clinician).get(reverse("results:photo-file", args=[photo.pk]))
    policy = answer["Content-Security-Policy"]
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert "style-src 'unsafe-inline'" in policy and "default-src 'none'" in policy and "script-src" not in policy
    assert answer["X-Content-Type-Options"] == "nosniff"


def test_the_trichoscopy_form_of_a_checkpoint_says_after_which_session_and_when(clinician, patient, cryo, registrar):
    course = make_course(registrar, patient, cryo, clinician=clinician)
    check = make_check(course, kind=CheckKind.CHECKPOINT, after_session=6, days_ago=0, clinician=clinician)
    page = login(clinician).get(reverse("results:trichoscopy-create", args=[check.pk]), **RU).content.decode()
    assert "Промежуточный контроль после сеанса 6 · " in page  # was "промежуточный контроль 6"


def test_a_checkpoints_correction_form_says_it_too(clinician, patient, cryo, registrar):
    course = make_course(registrar, patient, cryo, clinician=clinician)
    check = make_check(course, kind=CheckKind.CHECKPOINT, after_session=4, days_ago=2, clinician=clinician)
    record = make_trichoscopy(check, clinician=clinician, density=190, terminal="60.0")
    page = login(clinician).get(reverse("results:trichoscopy-amend", args=[record.pk]), **RU).content.decode()
    assert "Промежуточный контроль после сеанса 4 · " in page


def test_a_phone_reads_every_figure_of_a_zone_without_a_sideways_scroll(results_course, clinician):
    """The seven-column table showed a phone two figures and hid the rest; a phone now gets a list per zone."""
    check = results_course.result_checks.get(kind=CheckKind.BASELINE)
    page = login(clinician).get(reverse("results:check", args=[check.pk]), **RU).content.decode()
    phone = page.split('class="d-md-none results-figures-list"', 1)[1].split('class="d-none d-md-block"', 1)[0]
    assert "<dt" in phone and "Средний диаметр стержня, мкм" in phone and ">52,0</dd>" in phone
    assert ">150</dd>" in phone and "Трихоскопия · Aramo SG" in phone
    assert '<table class="table table-sm results-figures">' in page  # the laptop keeps its table


def test_a_second_baseline_is_refused_next_to_the_choice_of_check(results_course, clinician):
    form = {"kind": "baseline", "method": "trichoscopy", "frontoparietal-density": "200"}
    page = login(clinician).post(reverse("results:check-create", args=[results_course.pk]), form, **RU)
    assert page.status_code == 200
    assert page.context["form"].errors["kind"] == ["У этого курса уже есть контроль до курса."]
    assert not page.context["form"].non_field_errors()
    assert results_course.result_checks.count() == 2


def test_a_stale_link_to_record_the_trichoscopy_leads_to_its_correction(results_course, clinician):
    """It opened an empty form; the figures typed in were refused only after "Sign"."""
    check = results_course.result_checks.get(kind=CheckKind.BASELINE)
    record = check.trichoscopies.get()
    answer = login(clinician).get(reverse("results:trichoscopy-create", args=[check.pk]), **RU)
    assert answer.status_code == 302 and answer["Location"] == reverse("results:trichoscopy-amend", args=[record.pk])
    assert [str(m) for m in get_messages(answer.wsgi_request)] == [
        "У этого контроля уже есть трихоскопия: исправьте её."
    ]


def test_the_correction_of_an_older_version_leads_to_the_newest(results_course, clinician):
    """It opened the old figures; "Sign" then said the version was already corrected."""
    check = results_course.result_checks.get(kind=CheckKind.BASELINE)
    first = check.trichoscopies.get()
    reading = Reading(method="trichoscopy", zones={"frontoparietal": Figures(152)})
    second = services.trichoscopy_amend(actor=clinician, previous=first, reason="Recounted", reading=reading)
    client = login(clinician)
    answer = client.get(reverse("results:trichoscopy-amend", args=[first.pk]), **RU)
    assert answer.status_code == 302 and answer["Location"] == reverse("results:trichoscopy-amend", args=[second.pk])
    page = client.get(answer["Location"], **RU)
    assert page.status_code == 200 and TrichoscopyForm.initial_from(second)["frontoparietal-density"] == 152
    assert 'value="152"' in page.content.decode() and "Эта версия уже исправлена" in page.content.decode()


def test_the_final_check_is_not_offered_before_any_session_is_done(clinician, patient, cryo, registrar):
    """At "0 of 10 sessions done" the panel offered "the final check" beside "the baseline"."""
    course = make_course(registrar, patient, cryo, clinician=clinician)
    client = login(clinician)
    url = reverse("scheduling:course", args=[course.pk])
    page = client.get(url).content.decode()
    assert "?kind=baseline" in page and "?kind=final" not in page
    deliver(course, 1)  # a course may stop early: from the first session on, the final check may be recorded
    page = client.get(url).content.decode()
    assert "?kind=final" in page and "The course is done" not in page


def test_the_check_pages_tab_title_starts_with_a_capital(results_course, clinician):
    check = results_course.result_checks.get(kind=CheckKind.BASELINE)
    page = login(clinician).get(reverse("results:check", args=[check.pk]), **RU).content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.strip().startswith("До курса: ")


def test_a_refused_correction_says_so_at_the_top_of_the_page(results_course, clinician):
    """The missing reason was said at the foot of a long form; a phone showed its top, with no word."""
    record = results_course.result_checks.get(kind=CheckKind.BASELINE).trichoscopies.get()
    form = {"method": "trichoscopy", "frontoparietal-density": "175"}
    page = login(clinician).post(reverse("results:trichoscopy-amend", args=[record.pk]), form, **RU)
    text = page.content.decode()
    top = text.split('role="alert"', 1)[1].split("</div>", 2)
    assert page.status_code == 200 and "Ничего не сохранено: исправьте отмеченные ниже поля." in "".join(top)
    assert "Обязательное поле." in text and record.result_check.trichoscopies.count() == 1
