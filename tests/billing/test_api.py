"""The money API: registrars read and write, clinicians are refused, a patient reads her own balance."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from billing.models import Payment, Refund
from billing.services import payment_take
from scheduling.models import Course, CourseStatus

from ..factories import LocationFactory, UserFactory
from .conftest import deliver, make_course

D = Decimal
KEY = "api-key-0123456789abcdef"


def api(user, language=None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language) if language else APIClient()
    client.force_authenticate(user)
    return client


def _url(course, what):
    return f"/api/v1/courses/{course.pk}/{what}/"


@pytest.mark.django_db
def test_a_registrar_takes_a_payment_and_a_second_send_answers_the_first(registrar, course):
    body = {"amount": "4500.50", "method": "card", "idempotency_key": KEY}
    first = api(registrar).post(_url(course, "payments"), body, format="json")
    assert first.status_code == 201, first.json()
    answer = first.json()
    assert (answer["amount"], answer["currency"], answer["method"]) == ("4500.50", "RUB", "card")
    assert answer["receipt"] == {"kind": "advance", "status": "pending", "provider_id": "", "provider_message": ""}
    again = api(registrar).post(_url(course, "payments"), {**body, "amount": 1}, format="json")
    assert again.status_code == 200 and again.json()["id"] == answer["id"] and again.json()["amount"] == "4500.50"
    assert Payment.objects.count() == 1
    listed = api(registrar).get(_url(course, "payments")).json()
    assert [p["id"] for p in listed] == [answer["id"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"amount": "0"}, "not_positive", "amount"),
        ({"amount": -5}, "not_positive", "amount"),
        ({"amount": "2000000"}, "too_large", "amount"),
        ({"amount": "abc"}, "invalid", "amount"),
        ({"amount": True}, "invalid", "amount"),
        ({"amount": "100", "currency": "USD"}, "not_roubles", "currency"),
        ({"amount": "20000"}, "beyond_due", "amount"),
        ({"amount": "100", "idempotency_key": "short"}, "invalid", "idempotency_key"),
    ],
)
def test_a_bad_payment_is_a_json_error_with_a_code_and_nothing_saved(registrar, course, body, code, field):
    answer = api(registrar).post(
        _url(course, "payments"), {"method": "cash", "idempotency_key": KEY, **body}, format="json"
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == code and field in error["fields"], error
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_cancelled_course_refuses_a_payment_in_the_requests_language(registrar, course):
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.CANCELLED)
    answer = api(registrar, "ru").post(
        _url(course, "payments"), {"amount": "100", "method": "cash", "idempotency_key": KEY}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": "course_cancelled",
        "message": "Курс отменён: оплата по нему больше не принимается.",
    }


@pytest.mark.django_db
def test_the_balance_and_a_refund_of_the_unused_part(registrar, course):
    payment_take(actor=registrar, course=course, amount=D("10800"), method="cash", idempotency_key=KEY)
    deliver(course, 5)
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.CANCELLED)
    balance = api(registrar).get(_url(course, "balance")).json()
    assert balance == {
        "course": course.pk,
        "currency": "RUB",
        "price": "10800.00",
        "paid": "10800.00",
        "refunded": "0.00",
        "used": "4500.00",
        "due": "0.00",
        "credit": "6300.00",
        "refundable": "6300.00",
        "sessions_used": 5,
        "sessions_total": 12,
    }
    too_much = api(registrar).post(_url(course, "refunds"), {"amount": "6300.01", "reason": "x"}, format="json")
    assert too_much.status_code == 400 and too_much.json()["error"]["code"] == "beyond_unused"
    no_reason = api(registrar).post(_url(course, "refunds"), {"amount": "100", "reason": " "}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    done = api(registrar).post(_url(course, "refunds"), {"amount": "6300", "reason": "Moved away"}, format="json")
    assert done.status_code == 201 and done.json()["receipt"]["kind"] == "return"
    assert Refund.objects.count() == 1
    assert api(registrar).get(_url(course, "balance")).json()["refundable"] == "0.00"


@pytest.mark.django_db
def test_clinicians_see_nothing_financial_over_the_api(clinician, course):
    for what in ("balance", "payments", "refunds"):
        assert api(clinician).get(_url(course, what)).status_code == 403
    body = {"amount": "100", "method": "cash", "idempotency_key": KEY, "reason": "x"}
    assert api(clinician).post(_url(course, "payments"), body, format="json").status_code == 403
    assert api(clinician).post(_url(course, "refunds"), body, format="json").status_code == 403
    assert api(clinician).get(f"/api/v1/me/courses/{course.pk}/balance/").status_code == 403


@pytest.mark.django_db
def test_a_registrar_of_another_branch_finds_no_such_course(course):
    stranger = UserFactory(username="elsewhere", role="registrar", locations=[LocationFactory(name="North")])
    assert api(stranger).get(_url(course, "balance")).status_code == 404
    answer = api(stranger).post(
        _url(course, "payments"), {"amount": "100", "method": "cash", "idempotency_key": KEY}, format="json"
    )
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_a_patient_reads_her_own_balance_only(patient_user, registrar, course, other_patient, cryo, clinician):
    payment_take(actor=registrar, course=course, amount=D("4500"), method="cash", idempotency_key=KEY)
    mine = api(patient_user).get(f"/api/v1/me/courses/{course.pk}/balance/")
    assert mine.status_code == 200 and (mine.json()["paid"], mine.json()["due"]) == ("4500.00", "6300.00")
    theirs = make_course(registrar, other_patient, cryo, clinician=clinician, count=1)
    assert api(patient_user).get(f"/api/v1/me/courses/{theirs.pk}/balance/").status_code == 404
    assert api(patient_user).get(_url(course, "balance")).status_code == 403
    assert APIClient().get(f"/api/v1/me/courses/{course.pk}/balance/").status_code in (401, 403)


@pytest.mark.django_db
def test_the_schema_names_the_money_endpoints(registrar):
    schema = api(registrar).get("/api/v1/schema/?format=json").json()
    for path in ("balance", "payments", "refunds"):
        assert f"/api/v1/courses/{{id}}/{path}/" in schema["paths"]
    assert "/api/v1/me/courses/{id}/balance/" in schema["paths"]
