"""Administrators edit a form's text in the admin: each change is a new version, never an edit."""

import hashlib
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Action, AuditEvent
from consents.models import Consent, ConsentTemplateVersion
from consents.selectors import current_version
from consents.services import consent_withdraw, version_publish

from ..audit.test_admin_changes import change_url, delete_url, form_data
from ..conftest import login
from ..factories import PatientFactory
from .conftest import drawn_png, sign_in_clinic


@pytest.mark.django_db
def test_a_text_change_in_the_admin_publishes_a_new_version_and_lists_who_must_sign_again(
    administrator, cryo_form, patient, clinician
):
    sign_in_clinic(clinician, patient, cryo_form)
    admin = login(administrator)
    page = admin.get(change_url(cryo_form))
    assert page.status_code == 200
    data = form_data(page)
    data.update(
        {
            "text_ru": data["text_ru"] + "\n\nНовый абзац.",
            "needs_new_signature": "on",
            "change_note": "добавлен абзац",
            "versions-TOTAL_FORMS": "1",
            "versions-INITIAL_FORMS": "1",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
            "versions-0-id": str(cryo_form.versions.get().pk),
            "versions-0-template": str(cryo_form.pk),
        }
    )
    response = admin.post(change_url(cryo_form), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    versions = list(ConsentTemplateVersion.objects.filter(template=cryo_form).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].text_ru + "\n\nНовый абзац." == versions[1].text_ru  # the first is as it was
    assert versions[1].needs_new_signature and versions[1].created_by == administrator
    assert patient.full_name in admin.get(change_url(cryo_form)).content.decode()


# ---------------------------------------------------------------- the signed consents: a read-only list


def _changelist(**params):
    return reverse("admin:consents_consent_changelist") + ("?" + urlencode(params) if params else "")


@pytest.fixture
def decisions(cryo_form, personal_data_form, patient, clinician, administrator):
    """One of each state: in force, refused, withdrawn, and one signed under a text since replaced."""
    other, third, fourth = (
        PatientFactory(full_name=name, home_location=patient.home_location)
        for name in ("Отказова Вера", "Отозванова Нина", "Старова Ольга")
    )
    in_force = sign_in_clinic(clinician, patient, cryo_form, signature=drawn_png())
    refused = sign_in_clinic(clinician, other, cryo_form, decision="refused")
    withdrawn = sign_in_clinic(clinician, third, cryo_form)
    consent_withdraw(actor=clinician, consent=withdrawn, reason="передумала")
    outdated = sign_in_clinic(clinician, fourth, personal_data_form)
    version = current_version(personal_data_form)
    version_publish(
        actor=administrator,
        template=personal_data_form,
        text_ru=version.text_ru + "\n\nНовое.",
        text_en=version.text_en + "\n\nNew.",
        needs_new_signature=True,
    )
    return {"signed": in_force, "refused": refused, "withdrawn": withdrawn, "outdated": outdated}


def test_administrators_list_the_signed_consents_filtered_by_state_and_form(administrator, decisions, cryo_form):
    admin = login(administrator)
    everything = admin.get(_changelist())
    assert everything.status_code == 200
    assert {c.pk for c in everything.context["cl"].result_list} == {c.pk for c in decisions.values()}
    for state, consent in decisions.items():
        found = admin.get(_changelist(state=state)).context["cl"].result_list
        assert [c.pk for c in found] == [consent.pk], state
    of_cryo = admin.get(_changelist(template__id__exact=cryo_form.pk)).context["cl"].result_list
    assert {c.pk for c in of_cryo} == {decisions[s].pk for s in ("signed", "refused", "withdrawn")}


def test_the_list_costs_the_same_queries_however_many_consents(
    administrator, decisions, cryo_form, clinician, django_assert_num_queries
):
    admin = login(administrator)
    admin.get(_changelist())
    with CaptureQueriesContext(connection) as few:
        admin.get(_changelist())
    for n in range(5):
        sign_in_clinic(clinician, PatientFactory(full_name=f"Ещё Пациент {n}"), cryo_form)
    with django_assert_num_queries(len(few.captured_queries)):
        admin.get(_changelist())


def test_a_consent_opens_read_only_with_its_evidence_and_the_read_is_audited(administrator, decisions):
    consent = decisions["signed"]
    admin = login(administrator)
    page = admin.get(change_url(consent))
    assert page.status_code == 200
    html = page.content.decode()
    assert consent.text_sha256 in html and hashlib.sha256(bytes(consent.signature_png)).hexdigest() in html
    assert not [f for f in page.context["adminform"].form.fields]  # every field is read only
    assert AuditEvent.objects.filter(action=Action.VIEW, record_id=consent.pk, actor=administrator).count() == 1


def test_nothing_about_a_consent_can_be_added_changed_or_deleted_in_the_admin(administrator, decisions):
    consent = decisions["signed"]
    admin = login(administrator)
    assert admin.get(reverse("admin:consents_consent_add")).status_code == 403
    assert admin.post(change_url(consent), {"ip": "10.9.9.9", "text": "другой текст"}).status_code == 403
    assert admin.get(delete_url(consent)).status_code == 403
    assert admin.post(_changelist(), {"action": "delete_selected", "_selected_action": [consent.pk]}).status_code in (
        200,
        302,
    )
    consent.refresh_from_db()
    assert (consent.ip, Consent.objects.filter(pk=consent.pk).exists()) == (None, True)
    assert consent.text_intact


@pytest.mark.parametrize("role", ["registrar", "clinician"])
def test_staff_who_are_not_administrators_do_not_reach_the_list(request, role, decisions):
    assert login(request.getfixturevalue(role)).get(_changelist()).status_code == 403


def _in_russian(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    return client


def test_the_list_reads_as_russian_and_counts_in_agreement(administrator, decisions, settings):
    page = _in_russian(login(administrator), settings).get(_changelist())
    html = " ".join(page.content.decode().split())
    for head in ("Пациент", "Свидетель"):
        assert f'">{head}</a></div>' in html, head
    assert 'data-filter-title="форма согласия"' in html
    assert "4 согласия или отказа" in html and "4 подписанные согласия и отказы" not in html


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (1, "1 согласие или отказ"),
        (3, "3 согласия или отказа"),
        (11, "11 согласий и отказов"),
        (71, "71 согласие или отказ"),
    ],
)
def test_the_count_agrees_with_its_number(count, words):
    from django.template.loader import render_to_string
    from django.utils import translation

    class Cl:
        result_count = count

    with translation.override("ru"):
        html = render_to_string("admin/consents/consent/pagination.html", {"cl": Cl()})
    assert words in " ".join(html.split())


def test_a_consent_opens_with_russian_labels_and_a_written_date(administrator, decisions, settings):
    consent = decisions["signed"]
    html = _in_russian(login(administrator), settings).get(change_url(consent)).content.decode()
    for label in ("Пациент:", "Версия:", "Свидетель:", "Запись внесена пользователем:"):
        assert label in html, label
    for english in ("Patient:", "Version:", "Witness:", "Recorded by:"):
        assert english not in html, english
    assert f"{consent.signed_at:%Y-%m-%d}" not in html
    from django.utils import timezone, translation

    from core.dates import long_date

    with translation.override("ru"):
        assert f"· {long_date(timezone.localtime(consent.signed_at))}" in html


def test_a_withdrawal_shows_a_written_date_and_time(administrator, decisions, settings):
    from django.utils import timezone, translation

    from core.dates import long_date

    consent = decisions["withdrawn"]
    html = _in_russian(login(administrator), settings).get(change_url(consent)).content.decode()
    with translation.override("ru"):
        written = long_date(timezone.localtime(consent.withdrawal.at), time=True)
    assert f"{written} передумала" in html and f"{consent.withdrawal.at:%Y-%m-%d}" not in html
