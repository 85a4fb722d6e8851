"""The ranked patient search: names that start with the typed words first, then any part; pages without a total."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from patients.models import Patient
from patients.search import search_text, search_tiers
from patients.selectors import patient_list, patient_search

from ..factories import PatientFactory
from ..helpers import page_queries


def names(patients) -> list[str]:
    return [p.full_name for p in patients]


def make(location, *full_names: str, phone: str | None = None) -> list[Patient]:
    extra = {"phone": phone, "phone_digits": phone[2:]} if phone else {}
    return [PatientFactory(full_name=name, home_location=location, **extra) for name in full_names]


def test_what_was_typed_is_compared_in_capitals_with_single_spaces_and_yo_as_ye():
    assert search_text("  семёнова   Ольга ") == "СЕМЕНОВА ОЛЬГА"


@pytest.mark.django_db
def test_names_that_start_with_the_typed_word_come_before_names_that_contain_it(location):
    make(location, "Anna Petrova", "Petrovskaya Anna", "Zotova Petrova Inna", "Petrova Yana", "Sidorova Olga")
    assert names(patient_list(query="petrov")) == [
        "Petrova Yana",
        "Petrovskaya Anna",
        "Anna Petrova",
        "Zotova Petrova Inna",
    ]


@pytest.mark.django_db
def test_a_surname_and_the_start_of_a_first_name_find_that_patient_first(location):
    make(location, "Козлова Анна", "Ирина Козлова", "Козлова Ирина Петровна", "Козлова Инна")
    assert names(patient_list(query="Козлова Ир")) == ["Козлова Ирина Петровна", "Ирина Козлова"]
    # the words in another order still find her, after those that start with them
    assert names(patient_list(query="Ирина Козлова")) == ["Ирина Козлова", "Козлова Ирина Петровна"]


@pytest.mark.django_db
def test_a_part_of_the_name_anywhere_is_still_found(location):
    make(location, "Иванова Анна Бенч4242", "Иванова Анна Бенч42420", "Петрова Анна Бенч1")
    assert names(patient_list(query="Бенч4242")) == ["Иванова Анна Бенч4242", "Иванова Анна Бенч42420"]
    assert names(patient_list(query="нна бенч1")) == ["Петрова Анна Бенч1"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["Семенова", "семёнова", "СЕМЁН", "ёлкина", "Елкина"])
def test_yo_and_ye_find_each_other(location, query):
    make(location, "Семёнова Алёна", "Ёлкина Семенова Анна", "Сидорова Анна")
    assert len(patient_list(query=query)) >= 1
    assert "Сидорова Анна" not in names(patient_list(query=query))


@pytest.mark.django_db
def test_a_phone_that_starts_with_the_digits_comes_before_one_that_contains_them(location):
    [contains] = make(location, "Anna Last", phone="+79031916000")
    [starts] = make(location, "Zoya First", phone="+79161234567")
    assert patient_list(query="916") == [starts, contains]
    for written in ["+7 916 123-45-67", "8 (916) 123 45 67", "9161234567", "123-45"]:
        assert patient_list(query=written) == [starts]


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["8 916 123-45", "8(916)123", "+7 916 123", "+7(916)1234", "916 123"])
def test_part_of_a_number_written_with_its_trunk_8_or_country_code_is_found(location, written):
    """'8 916 111-22' found nobody: the 8 was dropped from a whole number only."""
    [patient] = make(location, "Anna Last", phone="+79161234567")
    make(location, "Boris Other", phone="+79031916000")
    assert patient_list(query=written) == [patient]


@pytest.mark.django_db
def test_digits_run_together_are_searched_as_typed(location):
    """'8916' without a space may be part of a number (…8916…): nothing is dropped from it."""
    [inside] = make(location, "Anna Last", phone="+79038916000")
    assert patient_list(query="8916") == [inside]


@pytest.mark.django_db
def test_a_whole_number_is_found_by_its_start_alone(location):
    [patient] = make(location, "Anna Last", phone="+79161234567")
    make(location, "Boris Other", phone="+79031916123")
    with CaptureQueriesContext(connection) as ctx:
        assert patient_list(query="8 916 123-45-67") == [patient]
    assert len(ctx.captured_queries) == 1  # a 10-digit national number cannot sit inside another


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [1, 2, 3, 4, 7])
def test_pages_follow_each_other_across_the_ranks_without_gaps_or_repeats(location, limit):
    make(location, *[f"Petrova {n}" for n in range(5)], *[f"Anna Petrova {n}" for n in range(6)], "Other One")
    everything = patient_search(query="petrova", limit=100).patients
    assert len(everything) == 11 and names(everything)[:5] == [f"Petrova {n}" for n in range(5)]
    pages, offset = [], 0
    while True:
        page = patient_search(query="petrova", offset=offset, limit=limit)
        pages += page.patients
        if not page.has_next:
            break
        offset += limit
    assert pages == everything
    assert len(page.patients) == (11 % limit or limit)


@pytest.mark.django_db
def test_a_full_first_page_of_names_that_start_with_the_word_is_one_query_and_no_count(location):
    make(location, *[f"Petrova {n:02d}" for n in range(12)], "Anna Petrova")
    with CaptureQueriesContext(connection) as ctx:
        page = patient_search(query="petrova", limit=10)
    assert page.has_next and len(page.patients) == 10
    assert len(ctx.captured_queries) == 1
    assert "COUNT(" not in ctx.captured_queries[0]["sql"].upper()


@pytest.mark.django_db
def test_a_page_the_first_rank_does_not_fill_asks_the_next_rank_once(location):
    make(location, "Petrova A", "Anna Petrova", "Inna Petrova")
    with CaptureQueriesContext(connection) as ctx:
        page = patient_search(query="petrova", limit=10)
    assert names(page.patients) == ["Petrova A", "Anna Petrova", "Inna Petrova"] and not page.has_next
    assert len(ctx.captured_queries) == 2


@pytest.mark.django_db
def test_a_page_past_the_first_rank_counts_that_rank_up_to_the_offset_only(location):
    make(location, "Petrova A", "Petrova B", *[f"Anna Petrova {n}" for n in range(4)])
    with CaptureQueriesContext(connection) as ctx:
        page = patient_search(query="petrova", offset=3, limit=2)
    assert names(page.patients) == ["Anna Petrova 1", "Anna Petrova 2"] and page.has_next
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) == 3 and "COUNT(" in sql[1].upper() and "LIMIT 3" in sql[1]


@pytest.mark.django_db
def test_the_start_of_the_name_is_read_from_the_btree_in_order_and_any_part_from_the_trigram_index(location):
    make(location, "Petrova Anna", "Anna Petrova")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    by_start, anywhere = search_tiers("petrova")
    start_plan = Patient.objects.with_search_key().filter(by_start.condition).order_by(*by_start.order)[:51].explain()
    # in order, the planner may also walk the btree and filter; whether that pays depends on the rows
    anywhere_plan = Patient.objects.with_search_key().filter(anywhere.condition).explain()
    assert "patient_search_key " in start_plan and "Sort" not in start_plan
    assert "Limit" in start_plan.splitlines()[0]
    assert "patient_search_key_trgm" in anywhere_plan
    phone_plan = Patient.objects.search("916 123").explain()
    assert "patient_phone_trgm" in phone_plan


@pytest.mark.django_db
def test_the_list_page_pages_without_a_total(as_registrar, location):
    make(location, *[f"Petrova {n:03d}" for n in range(60)], "Anna Petrova")
    first = as_registrar.get(reverse("patients:list"), {"q": "Petrova"}).content.decode()
    assert first.count("Petrova 0") == 50 and "Anna Petrova" not in first
    assert 'href="?q=Petrova&amp;page=2" rel="next"' in first and 'rel="prev"' not in first
    second = as_registrar.get(reverse("patients:list"), {"q": "Petrova", "page": 2}).content.decode()
    assert second.count("Petrova 0") == 10 and "Anna Petrova" in second and "Page 2" in second
    assert 'href="?q=Petrova" rel="prev"' in second and 'rel="next"' not in second


@pytest.mark.django_db
def test_the_list_says_how_it_ranks_in_the_terms_of_what_was_typed_and_only_when_something_was_found(
    as_registrar, location
):
    make(location, "Petrova Anna", phone="+79161112233")
    names_rule, numbers_rule = "Names that start with what you typed", "Numbers that start with what you typed"

    def page(q):
        return as_registrar.get(reverse("patients:list"), {"q": q}).content.decode()

    by_name, by_phone, nothing = page("Petrova"), page("(916) 111-22"), page("Nobody")
    assert names_rule in by_name and numbers_rule not in by_name
    assert numbers_rule in by_phone and names_rule not in by_phone and "Petrova Anna" in by_phone
    assert "No patient matches this search." in nothing and names_rule not in nothing


@pytest.mark.django_db
def test_a_page_out_of_range_says_so_and_still_searches_for_what_was_typed(as_registrar, location):
    make(location, "Petrova Anna", "Sidorova Olga")
    page = as_registrar.get(reverse("patients:list"), {"q": "Petrova", "page": 21}).content.decode()
    assert "Pages after page 20 are not shown: narrow the search." in page
    assert "Petrova Anna" in page and "Sidorova Olga" not in page


@pytest.mark.django_db
def test_the_last_page_shown_offers_no_next_page_but_says_more_match(as_registrar, location, monkeypatch):
    monkeypatch.setattr("patients.views.PAGE_SIZE", 2)
    make(location, *[f"Petrova {n:02d}" for n in range(45)])
    page = as_registrar.get(reverse("patients:list"), {"q": "Petrova", "page": 20}).content.decode()
    assert "Petrova 38" in page and "Petrova 39" in page and "Petrova 40" not in page
    assert 'rel="next"' not in page and "More patients match: narrow the search to find them." in page


@pytest.mark.django_db
def test_the_list_page_runs_a_fixed_number_of_queries_by_rank(as_registrar, location):
    make(location, *[f"Petrova {n:03d}" for n in range(3)], "Anna Petrova")
    few = [page_queries(as_registrar, f"/patients/?q={q}") for q in ("", "Petrova", "Anna Petr", "9260")]
    make(location, *[f"Petrova {n:03d}" for n in range(3, 80)], *[f"Inna Petrova {n}" for n in range(30)])
    many = [page_queries(as_registrar, f"/patients/?q={q}") for q in ("", "Petrova", "Anna Petr", "9260")]
    # signed-in user, the first rank, (the next rank when the first did not fill), the audit; her
    # locations come from Redis (accounts.locations)
    assert few == [3, 4, 4, 4]
    assert many == [3, 3, 4, 3]


@pytest.mark.django_db
def test_the_api_ranks_and_pages_as_the_list_page_does_and_sends_no_total(registrar, location):
    make(location, *[f"Petrova {n:02d}" for n in range(4)], "Anna Petrova", "Inna Petrova")
    client = APIClient()
    client.force_authenticate(registrar)
    first = client.get("/api/v1/patients/", {"q": "petrova", "limit": 5}).json()
    assert "count" not in first and first["previous"] is None
    assert [p["full_name"] for p in first["results"]] == [*[f"Petrova {n:02d}" for n in range(4)], "Anna Petrova"]
    second = client.get(first["next"]).json()
    assert [p["full_name"] for p in second["results"]] == ["Inna Petrova"] and second["next"] is None
    assert second["previous"].endswith("/api/v1/patients/?limit=5&q=petrova")
    assert names(patient_list(query="petrova", limit=6)) == [
        p["full_name"] for p in first["results"] + second["results"]
    ]


@pytest.mark.django_db
def test_an_offset_past_the_cap_is_a_400_not_a_500(registrar, location):
    """PostgreSQL's OFFSET is a bigint: ?offset=10**19 answered 500."""
    make(location, "Petrova Anna")
    client = APIClient()
    client.force_authenticate(registrar)
    for offset in (10_001, 10**19):
        answer = client.get("/api/v1/patients/", {"q": "petrova", "offset": offset})
        assert answer.status_code == 400 and answer.json()["error"]["fields"]["offset"], answer.content
    assert client.get("/api/v1/patients/", {"q": "petrova", "offset": 10_000}).json()["results"] == []
