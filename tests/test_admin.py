"""The editors' admin: every page renders, access is by role, and editing works."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from cases.models import Settlement, Violation

pytestmark = pytest.mark.django_db

RECORD_APPS = {"companies", "cases"}


def registered_models():
    return [model for model in admin.site._registry if model._meta.app_label in RECORD_APPS]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_record_model_is_registered():
    labels = {model._meta.label for model in registered_models()}
    assert labels >= {
        "companies.Company",
        "companies.CompanyAlias",
        "cases.Authority",
        "cases.Law",
        "cases.Source",
        "cases.Lawsuit",
        "cases.Settlement",
        "cases.Violation",
        "cases.ExchangeRate",
    }


def test_every_changelist_add_change_and_history_page_renders_for_staff(seed, superuser_client):
    for model in registered_models():
        for url in (admin_url(model, "changelist"), admin_url(model, "add")):
            response = superuser_client.get(url)
            assert response.status_code == 200, url
        instance = model._default_manager.first()
        assert instance is not None, model
        for view in ("change", "history"):
            url = admin_url(model, view, instance.pk)
            assert superuser_client.get(url).status_code == 200, url


def test_changelists_render_with_every_filter_and_search(seed, superuser_client):
    checks = {
        Settlement: "?family=bytedance&year=2021&currency__exact=USD&q=TikTok",
        Violation: "?family=bytedance&year=2019&kind__exact=civil_penalty&q=Musical",
    }
    for model, query in checks.items():
        response = superuser_client.get(admin_url(model, "changelist") + query)
        assert response.status_code == 200
        assert response.context["cl"].result_count == 1


def test_amounts_are_formatted_with_their_currency(seed, superuser_client):
    response = superuser_client.get(admin_url(Settlement, "changelist"))
    assert "$92,000,000" in response.text
    assert "≈ $92,000,000" in response.text
    response = superuser_client.get(admin_url(Violation, "changelist"))
    assert "$5,700,000" in response.text


def test_anonymous_visitors_are_sent_to_login(seed, client):
    for model in registered_models():
        response = client.get(admin_url(model, "changelist"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_logged_in_non_staff_cannot_reach_the_admin(seed, client, visitor):
    client.force_login(visitor)
    response = client.get(admin_url(Settlement, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_editor_can_change_a_settlement_but_not_a_user_account(seed, editor_client, superuser):
    settlement = Settlement.objects.get()
    assert editor_client.get(admin_url(Settlement, "change", settlement.pk)).status_code == 200
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert (
        editor_client.get(reverse("admin:auth_user_change", args=[superuser.pk])).status_code == 403
    )
    response = editor_client.post(
        reverse("admin:auth_user_change", args=[superuser.pk]),
        {"username": "hijacked"},
    )
    assert response.status_code == 403
    assert User.objects.filter(username="hijacked").count() == 0


def test_editor_cannot_delete_records_only_unpublish_them(seed, editor_client):
    settlement = Settlement.objects.get()
    response = editor_client.get(admin_url(Settlement, "delete", settlement.pk))
    assert response.status_code == 403
    response = editor_client.post(
        admin_url(Settlement, "changelist"),
        {"action": "unpublish", "_selected_action": [settlement.pk]},
    )
    assert response.status_code == 302
    assert not Settlement.objects.get().is_published
    assert Settlement.objects.count() == 1


def test_publish_action_publishes_the_selection(seed, editor_client):
    Violation.objects.update(is_published=False)
    response = editor_client.post(
        admin_url(Violation, "changelist"),
        {
            "action": "publish",
            "_selected_action": list(Violation.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    assert Violation.objects.published().count() == 1


def test_a_parent_cycle_is_refused_in_the_admin_form(seed, superuser_client):
    from companies.models import Company

    bytedance = Company.objects.get(slug="bytedance")
    musically = Company.objects.get(slug="musical-ly")
    url = admin_url(Company, "change", bytedance.pk)
    response = superuser_client.post(
        url,
        {
            "name": "ByteDance",
            "slug": "bytedance",
            "parent": musically.pk,
            "country": "CN",
            "is_published": "on",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "subsidiaries-TOTAL_FORMS": "0",
            "subsidiaries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "would create a cycle" in response.text
    bytedance.refresh_from_db()
    assert bytedance.parent is None


def test_changing_an_exchange_rate_in_the_admin_re_derives_amounts(seed, editor_client):
    from cases.models import ExchangeRate
    from tests.factories import ViolationFactory

    violation = ViolationFactory(currency="EUR", amount=Decimal(1000))
    rate = ExchangeRate.objects.get(currency="EUR", year=2019)
    response = editor_client.post(
        admin_url(ExchangeRate, "change", rate.pk),
        {"currency": "EUR", "year": 2019, "usd_per_unit": "2.00000000", "source": "test"},
    )
    assert response.status_code == 302
    violation.refresh_from_db()
    assert violation.amount_usd == Decimal("2000.00")
