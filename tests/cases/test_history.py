from decimal import Decimal

import pytest
from django.urls import reverse

from cases.models import Settlement


@pytest.mark.django_db
def test_an_admin_edit_is_recorded_with_who_and_can_be_reverted(seed, editor_client, editor):
    settlement = Settlement.objects.get()
    change_url = reverse("admin:cases_settlement_change", args=[settlement.pk])
    form = editor_client.get(change_url).context["adminform"].form
    data = {
        name: form[name].value() if form[name].value() is not None else "" for name in form.fields
    }
    data["sources"] = [s.pk for s in settlement.sources.all()]
    data["amount"] = "93000000.00"
    response = editor_client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    settlement.refresh_from_db()
    assert settlement.amount == Decimal("93000000")
    latest = settlement.history.latest()
    assert latest.history_user == editor
    assert latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert [change.field for change in delta.changes if change.field == "amount"] == ["amount"]

    # Revert to the seed version through the admin's history form.
    original = settlement.history.earliest()
    revert_url = reverse(
        "admin:cases_settlement_simple_history", args=[settlement.pk, original.history_id]
    )
    revert_form = editor_client.get(revert_url).context["adminform"].form
    revert_data = {
        name: revert_form[name].value() if revert_form[name].value() is not None else ""
        for name in revert_form.fields
    }
    revert_data["sources"] = [s.pk for s in settlement.sources.all()]
    response = editor_client.post(revert_url, revert_data)
    assert response.status_code == 302
    settlement.refresh_from_db()
    assert settlement.amount == Decimal("92000000")
    assert settlement.amount_usd == Decimal("92000000.00")
    assert settlement.history.count() >= 3
