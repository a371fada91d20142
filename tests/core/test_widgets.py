"""FastSelect writes exactly the HTML Django's select templates write."""

import pytest
from django import forms

from cases.filters import SettlementFilterSet, ViolationFilterSet
from core.widgets import FastSelect
from tests.factories import AuthorityFactory, LawFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [{}, {"authority": "a-b", "country": "FR", "currency": "EUR", "sort": "-amount", "kind": "x"}],
)
def test_filter_selects_render_as_djangos_templates_do(data):
    AuthorityFactory(name='Ampersand & "Quotes" <Court>', slug="a-b", is_published=True)
    LawFactory(short_name="Law <b>", slug="law-b")
    for filterset_class in (SettlementFilterSet, ViolationFilterSet):
        form = filterset_class(data).form
        fast_fields = [n for n, f in form.fields.items() if isinstance(f.widget, FastSelect)]
        assert {"authority", "law", "country", "currency", "sort"} <= set(fast_fields)
        for name in fast_fields:
            fast = str(form[name])
            form.fields[name].widget.__class__ = forms.Select
            assert fast == str(form[name]), name
            form.fields[name].widget.__class__ = FastSelect
