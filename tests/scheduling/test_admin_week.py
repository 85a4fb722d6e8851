"""The administrators' week grid: a branch's opening hours and a clinician's working hours, a week at a time."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from scheduling.models import OpeningHours, StaffHours

from ..conftest import login
from ..factories import LocationFactory, OpeningHoursFactory, StaffHoursFactory, UserFactory
from ..helpers import page_queries

pytestmark = pytest.mark.django_db


def opening_url(location):
    return reverse("admin:scheduling_openinghours_week", args=[location.pk])


def staff_url(clinician):
    return reverse("admin:scheduling_staffhours_week", args=[clinician.pk])


def week(rows: dict, *, locations: dict | None = None) -> dict:
    """The grid as the browser posts it: {weekday: ("09:00", "20:00")}; days left out are empty."""
    data = {}
    for weekday in range(7):
        start, end = rows.get(weekday, ("", ""))
        data |= {f"start_{weekday}": start, f"end_{weekday}": end}
        if locations is not None:
            data[f"location_{weekday}"] = str(locations[weekday].pk) if weekday in locations else ""
    return data


def hours_of(location) -> dict:
    return {
        o.weekday: (f"{o.opens:%H:%M}", f"{o.closes:%H:%M}") for o in OpeningHours.objects.filter(location=location)
    }


@pytest.fixture
def as_admin(administrator):
    return login(administrator)


@pytest.fixture
def branch():
    location = LocationFactory(name="Тверская")
    for weekday in range(6):
        OpeningHoursFactory(location=location, weekday=weekday)
    return location


@pytest.fixture
def doctor(branch):
    return UserFactory(
        username="doctor", first_name="Ольга", last_name="Трихологова", role="clinician", locations=[branch]
    )


def test_a_branch_week_is_one_grid_of_seven_days_filled_with_its_hours(as_admin, branch):
    page = as_admin.get(opening_url(branch))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('type="time"') == 14
    assert 'name="start_0" value="09:00"' in html and 'name="end_5" value="20:00"' in html
    assert 'name="start_6" value=' not in html  # Sunday is empty: closed


def test_saving_a_branch_week_writes_every_day_at_once_and_audits_each_change(as_admin, branch, administrator):
    rows = {d: ("09:00", "20:00") for d in range(5)} | {5: ("10:00", "16:00")}
    rows.pop(2)  # closed on Wednesdays from now on
    answer = as_admin.post(opening_url(branch), week(rows | {6: ("11:00", "15:00")}))
    assert answer.status_code == 302
    assert hours_of(branch) == rows | {6: ("11:00", "15:00")}
    changes = AuditEvent.objects.filter(actor=administrator, record_type="scheduling.openinghours").order_by("id")
    actions = sorted(e.action for e in changes)
    assert actions == ["create", "delete", "update"]  # Sunday added, Wednesday gone, Saturday changed
    saturday = next(e for e in changes if e.action == "update")
    assert saturday.detail["fields"] == {
        "opens": {"from": "09:00", "to": "10:00"},
        "closes": {"from": "20:00", "to": "16:00"},
    }
    assert saturday.detail["admin"] is True


def test_a_closing_before_opening_is_said_in_plain_words_and_nothing_is_saved(as_admin, branch):
    before = hours_of(branch)
    rows = {d: ("09:00", "20:00") for d in range(6)} | {1: ("18:00", "09:00"), 3: ("10:00", "")}
    answer = as_admin.post(opening_url(branch), week(rows))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Tuesday: the branch must close after it opens (opens 18:00, closes 09:00)." in html
    assert "Thursday: give the closing time too" in html
    assert hours_of(branch) == before  # all or nothing: Monday's unchanged row and the rest stay as they were


def test_the_old_change_and_add_pages_lead_to_the_week_grid(as_admin, branch):
    monday = OpeningHours.objects.get(location=branch, weekday=0)
    change = as_admin.get(reverse("admin:scheduling_openinghours_change", args=[monday.pk]))
    assert change.status_code == 302 and change["Location"] == opening_url(branch)
    add = as_admin.get(reverse("admin:scheduling_openinghours_add"))
    assert add["Location"] == reverse("admin:scheduling_openinghours_changelist")
    index = as_admin.get(reverse("admin:scheduling_openinghours_changelist")).content.decode()
    assert "Mon–Sat 09:00–20:00" in index and opening_url(branch) in index
    location_page = as_admin.get(reverse("admin:accounts_location_change", args=[branch.pk])).content.decode()
    assert opening_url(branch) in location_page


def test_the_week_lists_run_a_fixed_number_of_queries(as_admin, branch, doctor):
    url = reverse("admin:scheduling_staffhours_changelist")
    one = page_queries(as_admin, url)
    for n in range(3):
        other = UserFactory(role="clinician", locations=[branch])
        StaffHoursFactory(clinician=other, location=branch, weekday=n)
    assert page_queries(as_admin, url) == one
    branches = reverse("admin:scheduling_openinghours_changelist")
    one = page_queries(as_admin, branches)
    OpeningHoursFactory(location=LocationFactory(name="Арбат"), weekday=0)
    assert page_queries(as_admin, branches) == one


def test_a_clinician_week_names_the_branch_and_fits_its_opening_hours(as_admin, branch, doctor, administrator):
    elsewhere = LocationFactory(name="Арбат")
    OpeningHoursFactory(location=elsewhere, weekday=0)
    offered = as_admin.get(staff_url(doctor)).context["form"].fields["location_0"].queryset
    assert list(offered) == [branch]  # only the clinician's own branches
    rows = {1: ("08:00", "12:00"), 2: ("10:00", "14:00"), 6: ("10:00", "14:00")}
    answer = as_admin.post(staff_url(doctor), week(rows, locations={1: branch, 6: branch}))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Tuesday: Тверская is open 09:00–20:00; the working hours must fit within them." in html
    assert "Wednesday: choose the branch where the clinician works that day." in html
    assert "Sunday: Тверская is closed that day." in html
    assert not StaffHours.objects.filter(clinician=doctor).exists()

    good = {0: ("09:00", "18:00"), 2: ("12:00", "20:00")}
    answer = as_admin.post(staff_url(doctor), week(good, locations={0: branch, 2: branch}))
    assert answer.status_code == 302
    saved = {h.weekday: (h.location_id, f"{h.starts:%H:%M}", f"{h.ends:%H:%M}") for h in doctor.working_hours.all()}
    assert saved == {0: (branch.pk, "09:00", "18:00"), 2: (branch.pk, "12:00", "20:00")}
    assert (
        AuditEvent.objects.filter(actor=administrator, record_type="scheduling.staffhours", action="create").count()
        == 2
    )


def test_only_clinicians_have_a_week_grid_and_clinician_drop_downs_list_only_them(as_admin, doctor, registrar):
    assert as_admin.get(staff_url(registrar)).status_code == 404
    for name in ("leave", "certification"):
        page = as_admin.get(reverse(f"admin:scheduling_{name}_add"))
        choices = {str(user) for user in page.context["adminform"].form.fields["clinician"].queryset}
        assert str(doctor) in choices and str(registrar) not in choices
    user_page = as_admin.get(reverse("admin:accounts_user_change", args=[doctor.pk])).content.decode()
    assert staff_url(doctor) in user_page
    registrar_page = as_admin.get(reverse("admin:accounts_user_change", args=[registrar.pk])).content.decode()
    assert "scheduling/staffhours/week" not in registrar_page


@pytest.mark.parametrize("who", ["registrar", "clinician", "patient_user"])
def test_the_week_grid_is_for_administrators_only(request, who, branch, doctor):
    client = login(request.getfixturevalue(who))
    assert client.get(opening_url(branch)).status_code == 403
    assert client.post(opening_url(branch), week({})).status_code == 403
    assert hours_of(branch)  # nothing was cleared


def test_an_anonymous_visitor_is_sent_to_sign_in(client, branch):
    answer = client.get(opening_url(branch))
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_the_service_refuses_someone_who_is_not_a_clinician_or_a_branch_they_are_not_attached_to(
    administrator, registrar, doctor, rf
):
    from django.core.exceptions import ValidationError

    from scheduling.services.week_hours import Day, staff_week_set

    request = rf.post("/")
    request.user = administrator
    elsewhere = LocationFactory(name="Арбат")
    OpeningHoursFactory(location=elsewhere, weekday=0)
    with pytest.raises(ValidationError) as refused:
        staff_week_set(
            actor=administrator,
            clinician=doctor,
            week={0: Day(datetime.time(9), datetime.time(18), elsewhere)},
            request=request,
        )
    assert "Monday: the clinician is not attached to Арбат" in refused.value.message_dict["location_0"][0]
    with pytest.raises(PermissionDenied):
        staff_week_set(actor=registrar, clinician=doctor, week={}, request=request)
    with pytest.raises(ValidationError) as refused:
        staff_week_set(
            actor=administrator,
            clinician=registrar,
            week={0: Day(datetime.time(9), datetime.time(18))},
            request=request,
        )
    assert refused.value.code == "not_a_clinician"
    assert Group.objects.get(name="clinician") not in registrar.groups.all()
