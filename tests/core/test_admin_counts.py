"""The admin's lists say how many rows they hold in words that agree in Russian."""

import pytest
from django.urls import reverse
from django.utils import translation

from ..conftest import login
from ..factories import LocationFactory


@pytest.mark.django_db
def test_a_russian_admin_list_counts_its_rows_without_breaking_the_grammar(administrator):
    LocationFactory(name="Second branch")
    LocationFactory(name="Third branch")
    admin = login(administrator)
    with translation.override("ru"):
        page = admin.get(reverse("admin:accounts_location_changelist"), HTTP_ACCEPT_LANGUAGE="ru")
    text = page.content.decode()
    assert "Филиалы: 2" in text
    assert "2 филиалы" not in text
