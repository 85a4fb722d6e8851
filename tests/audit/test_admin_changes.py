"""Administrators' changes in the admin, and anyone's change of roles, are audit events."""

import pytest
from django.contrib.auth.models import Group
from django.forms import MultiWidget
from django.urls import reverse

from audit.models import AuditEvent
from procedures.models import Procedure
from procedures.services import screening_sign
from reminders.models import ReminderOffset

from ..conftest import login
from ..factories import UserFactory


def form_data(response) -> dict:
    """What the browser would post back from an admin change form, unchanged."""
    data = {}
    for bound in response.context["adminform"].form:
        if bound.field.disabled:
            continue
        value, widget = bound.value(), bound.field.widget
        if isinstance(widget, MultiWidget):  # a date and a time
            parts = value if isinstance(value, list) else widget.decompress(value)
            data.update({f"{bound.html_name}_{i}": str(p) for i, p in enumerate(parts) if p is not None})
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif value is True:
            data[bound.html_name] = "on"
        elif value is not None and value is not False:  # a 0 (Decimal("0.000") == False) is posted too
            data[bound.html_name] = str(value)
    return data


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def delete_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_delete", args=[obj.pk])


@pytest.fixture
def as_admin(administrator):
    return login(administrator)


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


@pytest.mark.django_db
def test_an_administrator_giving_themself_the_clinician_role_is_an_audit_event(administrator, as_admin):
    clinician_role = Group.objects.get(name="clinician")
    data = form_data(as_admin.get(change_url(administrator)))
    data["groups"] = [*data["groups"], str(clinician_role.pk)]

    response = as_admin.post(change_url(administrator), data)

    assert response.status_code == 302, [(k, v) for k, v in response.context.flatten().items() if "error" in k.lower()]
    assert administrator.groups.filter(name="clinician").exists()
    [role_event] = events(action="roles", actor=administrator)
    assert (role_event.record_type, role_event.record_id) == ("accounts.user", administrator.pk)
    assert role_event.detail == {"roles": {"added": ["clinician"]}, "own_account": True}
    assert role_event.ip == "127.0.0.1"
    [change] = events(action="update", actor=administrator, record_type="accounts.user")
    assert change.detail["admin"] is True
    groups = change.detail["fields"]["groups"]
    assert clinician_role.pk not in groups["from"] and clinician_role.pk in groups["to"]


@pytest.mark.django_db
def test_roles_changed_outside_the_admin_are_audited_too(registrar):
    clinician_role, registrar_role = Group.objects.get(name="clinician"), Group.objects.get(name="registrar")
    registrar.groups.add(clinician_role)  # a shell, a command: no request, so no actor
    registrar_role.user_set.remove(registrar)  # from the role's side
    registrar.groups.clear()
    found = [(e.actor_id, e.record_id, e.detail) for e in events(action="roles", record_id=registrar.pk)]
    assert found[-3:] == [
        (None, registrar.pk, {"roles": {"added": ["clinician"]}}),
        (None, registrar.pk, {"roles": {"removed": ["registrar"]}}),
        (None, registrar.pk, {"roles": {"removed": ["clinician"]}}),
    ]


@pytest.mark.django_db
def test_a_price_changed_in_the_admin_is_an_audit_event_with_the_old_and_new_price(administrator, as_admin, cryo):
    data = form_data(as_admin.get(change_url(cryo)))
    old_price = str(cryo.price_per_session)
    data["price_per_session"] = "1200.00"

    response = as_admin.post(change_url(cryo), data)

    assert response.status_code == 302
    [event] = events(action="update", record_type="procedures.procedure", record_id=cryo.pk)
    assert event.actor == administrator
    assert event.detail["fields"] == {"price_per_session": {"from": old_price, "to": "1200.00"}}
    assert event.detail["object"] == str(cryo)


@pytest.mark.django_db
def test_adding_and_deleting_a_reminder_time_in_the_admin_are_audit_events(administrator, as_admin):
    add = as_admin.post(reverse("admin:reminders_reminderoffset_add"), {"hours_before": "48", "active": "on"})
    assert add.status_code == 302
    offset = ReminderOffset.objects.get(hours_before=48)
    deleted = as_admin.post(delete_url(offset), {"post": "yes"})
    assert deleted.status_code == 302
    assert not ReminderOffset.objects.filter(hours_before=48).exists()
    found = [(e.action, e.actor_id, e.record_id) for e in events(record_type="reminders.reminderoffset")]
    assert found == [("create", administrator.pk, offset.pk), ("delete", administrator.pk, offset.pk)]
    assert events(action="create", record_type="reminders.reminderoffset")[0].detail["fields"]["hours_before"] == {
        "from": None,
        "to": 48,
    }


@pytest.mark.django_db
def test_a_password_set_in_the_admin_is_audited_without_the_password(administrator, as_admin, registrar):
    url = reverse("admin:auth_user_password_change", args=[registrar.pk])
    response = as_admin.post(
        url, {"password1": "A-new-pass-2026!", "password2": "A-new-pass-2026!", "usable_password": "true"}
    )
    assert response.status_code == 302
    [event] = events(action="update", record_type="accounts.user", record_id=registrar.pk)
    assert event.actor == administrator
    assert "A-new-pass-2026!" not in str(event.detail)


@pytest.mark.django_db
def test_an_admin_another_package_registered_is_audited_too(db):
    """The beat schedules are edited in the admin by a superuser: audited like the clinic's own."""
    superuser = UserFactory(username="root1", role="administrator", is_superuser=True)
    client = login(superuser)
    url = reverse("admin:django_celery_beat_intervalschedule_add")
    tasks = client.get(url).context["inline_admin_formsets"][0].formset.prefix  # no task attached
    data = {"every": "5", "period": "minutes", f"{tasks}-TOTAL_FORMS": "0", f"{tasks}-INITIAL_FORMS": "0"}
    response = client.post(url, data)
    assert response.status_code == 302
    [event] = events(action="create", record_type="django_celery_beat.intervalschedule")
    assert event.actor == superuser
    assert event.detail["fields"]["every"] == {"from": None, "to": 5}


@pytest.fixture
def signed(clinician, patient, cryo, all_absent):
    return screening_sign(actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=3)


@pytest.mark.django_db
def test_deleting_a_procedure_a_signed_screening_names_is_refused_with_a_sentence(as_admin, signed, cryo, patient):
    page = as_admin.get(delete_url(cryo))
    assert page.status_code == 200
    text = page.content.decode()
    assert "cannot be deleted: records that are kept refer to it" in text
    assert "untick its “offered”, “in use” or “active” box" in text
    assert "Procedures of signed screenings: 1" in text
    assert patient.full_name not in text  # counted by kind, not listed by patient

    posted = as_admin.post(delete_url(cryo), {"post": "yes"})

    assert posted.status_code == 200
    assert "cannot be deleted" in posted.content.decode()
    assert Procedure.objects.filter(pk=cryo.pk).exists()
    assert list(signed.procedures.all()) == [cryo]
    assert not events(action="delete")


@pytest.mark.django_db
def test_the_delete_action_on_the_list_refuses_too(as_admin, signed, cryo):
    changelist = reverse("admin:procedures_procedure_changelist")
    data = {"action": "delete_selected", "_selected_action": [str(cryo.pk)]}
    page = as_admin.post(changelist, data)
    assert page.status_code == 200
    assert "cannot be deleted: records that are kept refer to them" in page.content.decode()
    confirmed = as_admin.post(changelist, {**data, "post": "yes"})
    assert confirmed.status_code == 200
    assert Procedure.objects.filter(pk=cryo.pk).exists()
    assert not events(action="delete")


@pytest.mark.django_db
def test_an_api_token_changed_in_the_admin_leaves_its_key_out_of_the_trail(administrator, registrar, monkeypatch):
    from django.test import RequestFactory

    from accounts.models import ApiToken
    from accounts.tokens import token_issue
    from audit.services import audit_admin_change

    raw, token = token_issue(user=registrar, name="integration")
    # Were the token's text to show its key (DRF's own tokens did), the trail must not copy it.
    monkeypatch.setattr(ApiToken, "__str__", lambda self: self.key_hash)
    request = RequestFactory().post("/admin/")
    request.user = administrator
    event = audit_admin_change(request=request, action="create", obj=token, message=[{"added": {}}])
    assert event.record_type == "accounts.apitoken"
    assert token.key_hash not in str(event.detail) and raw not in str(event.detail)
    assert "object" not in event.detail


@pytest.mark.django_db
def test_the_trail_is_found_by_the_patients_name_as_the_desk_searches_it(administrator, patient, other_patient):
    AuditEvent.objects.create(actor_name="someone", action="view", patient_id=patient.pk, record_type="x")
    AuditEvent.objects.create(actor_name="someone", action="view", patient_id=other_patient.pk, record_type="y")
    page = login(administrator).get(reverse("admin:audit_auditevent_changelist"), {"q": "petrovna IVAN"})
    assert [e.patient_id for e in page.context["cl"].result_list] == [patient.pk]
