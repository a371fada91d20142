"""An editor's save that fails half-way in the database leaves nothing half-written."""

import pytest
from django.test import Client
from django.urls import reverse

from companies.models import Company, CompanyAlias
from tests.factories import CompanyFactory


def change_form(company: Company, **changes) -> dict:
    return {
        "name": company.name,
        "slug": company.slug,
        "country": company.country,
        "is_published": "on",
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "subsidiaries-TOTAL_FORMS": "0",
        "subsidiaries-INITIAL_FORMS": "0",
        **changes,
    }


@pytest.mark.django_db
def test_a_constraint_error_in_an_inline_rolls_back_the_whole_save(editor):
    company = CompanyFactory(name="Globex", slug="globex")
    history_before = company.history.count()
    client = Client(raise_request_exception=False)  # what a browser would see
    client.force_login(editor)
    url = reverse("admin:companies_company_change", args=[company.pk])
    # Two new aliases differing only in case: each passes the form's checks (neither is in
    # the database yet); the second breaks the case-insensitive unique index on saving,
    # after the company itself and the first alias were written.
    response = client.post(
        url,
        change_form(
            company,
            name="Globex Corporation",
            **{
                "aliases-TOTAL_FORMS": "2",
                "aliases-0-name": "Globex Holdings",
                "aliases-1-name": "globex holdings",
            },
        ),
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "This alias already names a company." in page
    # The form is shown again with what the editor typed, ready to correct.
    assert 'value="Globex Corporation"' in page
    assert 'value="globex holdings"' in page
    company.refresh_from_db()
    assert company.name == "Globex"  # the parent's change is rolled back too
    assert not CompanyAlias.objects.exists()
    assert company.history.count() == history_before
    assert not CompanyAlias.history.exists()


@pytest.mark.django_db
def test_the_same_save_without_the_conflict_stores_everything(editor_client):
    company = CompanyFactory(name="Globex", slug="globex")
    url = reverse("admin:companies_company_change", args=[company.pk])
    response = editor_client.post(
        url,
        change_form(
            company,
            name="Globex Corporation",
            **{
                "aliases-TOTAL_FORMS": "2",
                "aliases-0-name": "Globex Holdings",
                "aliases-1-name": "Globex Group",
            },
        ),
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.name == "Globex Corporation"
    assert sorted(company.aliases.values_list("name", flat=True)) == [
        "Globex Group",
        "Globex Holdings",
    ]
