"""Helpers rewritten for speed write exactly what the code they replace wrote.

The statistics tables' rows and the charts' bars used to be template loops; the old
templates are kept here, verbatim, and rendered beside the new ones on the same data.
``detail_url`` is compared with ``reverse``; the filter selects' fast paths with Django's.
"""

import copy
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django import forms
from django.template import engines
from django.template.loader import get_template
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix

from cases.filters import SettlementFilterSet, ViolationFilterSet
from cases.models import Authority, Law
from companies.filters import CompanyFilterSet
from core.charts import ChartRow, bar_chart
from core.filters import FrozenChoices
from core.urls import detail_url, urls_read_once
from core.widgets import FastSelect, _model_choices
from tests.factories import AuthorityFactory, LawFactory

OLD_STAT_TABLE = """{% load humanize casetrack %}
{% if rows %}
{% if list_name == 'settlements' %}{% url 'cases:settlements' as list_url %}{% elif list_name == 'violations' %}{% url 'cases:violations' as list_url %}{% endif %}<div class="table-scroll"><table class="stat-table">
  <caption>{{ caption }}</caption>
  <thead><tr><th scope="col">{{ heading }}</th><th scope="col" class="num">Count</th><th scope="col" class="num">Amount (≈ USD)</th></tr></thead>
  <tbody>
    {% for row in rows %}
    <tr><th scope="row">{% if list_name %}<a href="{{ list_url }}?{{ parameter }}={{ row.key|urlencode }}">{{ row.label }}</a>{% else %}{{ row.label }}{% endif %}</th><td class="num">{{ row.count|intcomma }}</td><td class="num">{{ row.usd|usd_approx }}</td></tr>
    {% endfor %}
  </tbody>
</table></div>
{% else %}
<p class="muted">{{ caption }}: nothing published yet.</p>
{% endif %}
"""  # noqa: E501

OLD_BAR_CHART = """{% if chart.is_empty %}
<p class="empty">No amounts to chart yet.</p>
{% else %}
<figure class="chart">
  <figcaption id="chart-{{ chart.slug }}-title">{{ chart.title }}</figcaption>
  <svg role="img" aria-labelledby="chart-{{ chart.slug }}-title chart-{{ chart.slug }}-desc" viewBox="0 0 {{ chart.width }} {{ chart.height }}" width="100%" preserveAspectRatio="xMinYMin meet" class="bar-chart">
    <desc id="chart-{{ chart.slug }}-desc">{{ chart.summary }}</desc>
    {% for bar in chart.bars %}
    <g>
      <title>{{ bar.row.label }}: {{ bar.row.value_text }}</title>
      {% if bar.row.url %}<a href="{{ bar.row.url }}">{% endif %}
      <text x="0" y="{{ bar.text_y }}" class="bar-label">{{ bar.label }}</text>
      <text x="{{ chart.width }}" y="{{ bar.text_y }}" class="bar-value" text-anchor="end">{{ bar.row.value_text }}</text>
      <rect x="0" y="{{ bar.bar_y }}" width="{{ chart.width }}" height="{{ chart.bar_height }}" class="bar-track" rx="2"></rect>
      <rect x="0" y="{{ bar.bar_y }}" width="{{ bar.width|stringformat:'s' }}" height="{{ chart.bar_height }}" class="bar" rx="2"></rect>
      {% if bar.row.url %}</a>{% endif %}
    </g>
    {% endfor %}
  </svg>
  {% if not numbers_below %}
  <details class="chart-data">
    <summary>The numbers</summary>
    <table>
      <thead><tr><th scope="col">{{ label_heading|default:"Item" }}</th><th scope="col" class="num">Amount</th></tr></thead>
      <tbody>
        {% for bar in chart.bars %}
        <tr><th scope="row">{% if bar.row.url %}<a href="{{ bar.row.url }}">{{ bar.row.label }}</a>{% else %}{{ bar.row.label }}{% endif %}</th><td class="num">{{ bar.row.value_text }}</td></tr>
        {% endfor %}
      </tbody>
    </table>
  </details>
  {% endif %}
</figure>
{% endif %}
"""  # noqa: E501

HOSTILE = ['A & B "Court" <x>', "L'Autorité", "naïve / slash ? q=1&r=2", "", "  spaced  "]


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: int
    usd: Decimal | None


def stat_rows_data():
    counts = [0, 1, 999, 1000, 1234567, -1234, 10**12]
    amounts = [
        Decimal(0),
        Decimal("0.4"),
        Decimal("0.5"),
        Decimal("1234.56"),
        None,
        Decimal(10**15),
    ]
    rows = []
    for index, text in enumerate(HOSTILE * 3):
        rows.append(
            Row(
                key=text or "2024",
                label=text,
                count=counts[index % len(counts)],
                usd=amounts[index % len(amounts)],
            )
        )
    rows.append(Row("x", "Decimal count", Decimal(1234), Decimal(5)))
    return rows


def render_old_and_new(old_text: str, new_name: str, context: dict) -> tuple[str, str]:
    old = engines["django"].from_string(old_text).render(context)
    new = get_template(new_name).render(context)
    return old, new


@pytest.mark.parametrize("list_name", ["settlements", "violations", "", "companies"])
@pytest.mark.parametrize("rows", [stat_rows_data(), []], ids=["rows", "empty"])
def test_stat_table_writes_what_the_template_loop_wrote(list_name, rows):
    context = {
        "rows": rows,
        "caption": "Caption <&>",
        "heading": "Heading",
        "list_name": list_name,
        "parameter": "authority",
    }
    old, new = render_old_and_new(OLD_STAT_TABLE, "cases/_stat_table.html", context)
    assert new == old
    if rows:
        assert "1,234,567" in new and "&amp;" in new


def charts():
    rows = [
        ChartRow(text or "x", Decimal(index * 1000), f"≈ ${index},000 <{text}>", url)
        for index, text in enumerate(HOSTILE * 8)
        for url in ["", f"/violations/?year={index}&q=a&b"]
    ]
    return [
        bar_chart("many", "Many <bars>", rows, unit="dollars"),  # 80 bars: y beyond 1,000
        bar_chart("one", "One", rows[:1]),
        bar_chart("zero", "Zero", [ChartRow("z", Decimal(0), "$0")]),
        bar_chart("empty", "Empty", []),
    ]


@pytest.mark.parametrize("numbers_below", [True, False])
@pytest.mark.parametrize("chart", charts(), ids=lambda chart: chart.slug)
def test_bar_chart_writes_what_the_template_loop_wrote(chart, numbers_below):
    context = {"chart": chart, "numbers_below": numbers_below, "label_heading": "Year"}
    old, new = render_old_and_new(OLD_BAR_CHART, "core/_bar_chart.html", context)
    assert new == old


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_bar_chart_follows_the_thousand_separator_setting():
    context = {"chart": charts()[0], "numbers_below": False}
    old, new = render_old_and_new(OLD_BAR_CHART, "core/_bar_chart.html", context)
    assert new == old
    assert 'y="1,' in new


DETAIL_NAMES = [
    ("cases:violation-detail", "pk"),
    ("cases:settlement-detail", "pk"),
    ("cases:lawsuit-detail", "slug"),
    ("cases:authority-detail", "slug"),
    ("cases:law-detail", "slug"),
    ("companies:detail", "slug"),
    ("companies:feed", "slug"),
    ("api:violation-detail", "pk"),  # re_path patterns: [0-9]{1,18} and [-a-zA-Z0-9_]+
    ("api:settlement-detail", "pk"),
    ("api:lawsuit-detail", "slug"),
    ("api:company-detail", "slug"),
    ("api:law-detail", "slug"),
]


def reverse_or_error(viewname, name, value):
    try:
        return reverse(viewname, kwargs={name: value})
    except NoReverseMatch:
        return NoReverseMatch


def detail_url_or_error(viewname, name, value):
    try:
        return detail_url(viewname, name, value)
    except NoReverseMatch:
        return NoReverseMatch


VALUES = [
    *(0, 7, 918273645546372819, 10**18 - 1, 10**18, 10**30, -1, True, 3.5, None),
    *("tiktok", "a_b-9", "918273645546372819", "zq-placeholder-qz", "naïve", "a b", "a/b", ""),
    *("x" * 200, "x" * 201, "-", "_", "9"),
]


@pytest.mark.parametrize(("viewname", "name"), DETAIL_NAMES)
def test_detail_url_is_reverse(viewname, name):
    for value in VALUES:
        assert detail_url_or_error(viewname, name, value) == reverse_or_error(
            viewname, name, value
        ), value


@pytest.mark.parametrize("prefix", ["/", "/casetrack/", "/with space/ü/"])
def test_detail_url_follows_the_script_prefix(prefix):
    set_script_prefix(prefix)
    try:
        for viewname, name in DETAIL_NAMES:
            for value in (12, "tiktok"):
                assert detail_url_or_error(viewname, name, value) == reverse_or_error(
                    viewname, name, value
                )
    finally:
        set_script_prefix("/")


urlpatterns = []  # an empty URLconf: nothing reverses


def test_detail_url_follows_a_changed_urlconf():
    assert detail_url("cases:violation-detail", "pk", 5) == "/violations/5/"
    with override_settings(ROOT_URLCONF=__name__), pytest.raises(NoReverseMatch):
        detail_url("cases:violation-detail", "pk", 5)
    assert detail_url("cases:violation-detail", "pk", 5) == "/violations/5/"


def test_urls_read_once_writes_what_detail_url_writes_where_it_is_entered():
    with urls_read_once():
        assert detail_url("cases:violation-detail", "pk", 5) == "/violations/5/"
    set_script_prefix("/casetrack/")
    try:
        with urls_read_once():
            assert detail_url("cases:violation-detail", "pk", 5) == "/casetrack/violations/5/"
            set_script_prefix("/other/")  # read at entry: not seen until the next one
            assert detail_url("cases:violation-detail", "pk", 5) == "/casetrack/violations/5/"
        assert detail_url("cases:violation-detail", "pk", 5) == "/other/violations/5/"
    finally:
        set_script_prefix("/")
    with override_settings(ROOT_URLCONF=__name__), urls_read_once(), pytest.raises(NoReverseMatch):
        detail_url("cases:violation-detail", "pk", 5)
    assert detail_url("cases:violation-detail", "pk", 5) == "/violations/5/"


@pytest.mark.django_db
def test_models_link_with_detail_url(seed):
    from cases.models import Lawsuit, Settlement, Violation
    from companies.models import Company

    for model, viewname, name in [
        (Violation, "cases:violation-detail", "pk"),
        (Settlement, "cases:settlement-detail", "pk"),
        (Lawsuit, "cases:lawsuit-detail", "slug"),
        (Authority, "cases:authority-detail", "slug"),
        (Law, "cases:law-detail", "slug"),
        (Company, "companies:detail", "slug"),
    ]:
        for record in model.objects.all():
            value = getattr(record, name)
            assert record.get_absolute_url() == reverse(viewname, kwargs={name: value})


@pytest.mark.django_db
def test_model_selects_read_labels_without_instances_and_match_django():
    """Authority and law options come from ``values_list``: the same pairs, labels being
    what ``__str__`` returns, and the same HTML as Django's select."""
    AuthorityFactory(name='Ampersand & "Quotes" <Court>', slug="a-b")
    AuthorityFactory(name="Unpublished", slug="hidden", is_published=False)
    LawFactory(short_name="Law <b>", slug="law-b")
    for authority in Authority.objects.all():
        assert str(authority) == getattr(authority, Authority.choice_label_field)
    for law in Law.objects.all():
        assert str(law) == getattr(law, Law.choice_label_field)
    for data in [{}, {"authority": "a-b", "law": "law-b"}, {"authority": "hidden"}]:
        form = ViolationFilterSet(data).form
        for name in ("authority", "law"):
            field = form.fields[name]
            fast = _model_choices(field.widget.choices)
            assert fast is not None
            assert [(str(value), label) for value, label in field.choices] == [
                (str(value), label) for value, label in fast
            ]
            html = str(form[name])
            field.widget.__class__ = forms.Select
            assert html == str(form[name]), name
            field.widget.__class__ = FastSelect
        assert "hidden" not in str(form["authority"])


@pytest.mark.django_db
def test_a_select_whose_labels_are_not_str_keeps_the_slow_path():
    class Labelled(forms.ModelChoiceField):
        def label_from_instance(self, obj):
            return f"{obj.name}!"

    AuthorityFactory(name="Court")
    field = Labelled(Authority.objects.all(), to_field_name="slug")
    assert _model_choices(field.widget.choices) is None
    field.widget.__class__ = FastSelect
    assert "Court!</option>" in field.widget.render("x", None)


@pytest.mark.django_db
def test_grouped_and_repeated_choices_render_as_django_does():
    choices = [
        ("", "Any"),
        ("Group <1>", [("a", "A & a"), ("b", "B")]),
        ("a", "A again"),  # only the first match is selected, as Django does
        (None, "None"),
        (3, 3),
    ]
    for value in (None, "", "a", "b", "3", "missing"):
        fast = FastSelect(attrs={"id": "x", "data-x": 'q"'}, choices=choices)
        slow = forms.Select(attrs={"id": "x", "data-x": 'q"'}, choices=choices)
        assert fast.render("name", value) == slow.render("name", value), value


@pytest.mark.django_db
def test_fixed_choice_lists_are_frozen_and_copy_as_themselves():
    for filterset_class in (SettlementFilterSet, ViolationFilterSet, CompanyFilterSet):
        filters = filterset_class.base_filters
        frozen = [
            name for name, f in filters.items() if isinstance(f.extra.get("choices"), FrozenChoices)
        ]
        assert "country" in frozen
        for name in frozen:
            choices = filters[name].extra["choices"]
            assert copy.deepcopy(choices) is choices
        form = filterset_class({"country": "FR"}).form
        assert form.is_valid(), form.errors
        assert '<option value="FR" selected>' in str(form["country"])
    assert ViolationFilterSet({"currency": "XXQ"}).form.is_valid() is False


@pytest.mark.parametrize(
    "path",
    [
        "/api/violations/5/",
        "/companies/a-b_c/",
        "/with%20space/%C3%BC/x/",
        "/a:b@c!$&'()*+,;=~/",
        "/naïve/",
        "/a b/",
        "//evil.example/x",
        "/a/./b/",
        "/a/../b/",
        "/q?x=1",
        "/#frag",
    ],
)
@pytest.mark.parametrize("secure", [False, True])
@override_settings(ALLOWED_HOSTS=["example.org", "testserver"])
def test_absolute_url_is_build_absolute_uri(rf, path, secure):
    from rest_framework.request import Request

    from core.urls import absolute_url

    request = rf.get("/anything/", secure=secure, HTTP_HOST="example.org:8443")
    expected = request.build_absolute_uri(path)
    assert absolute_url(request, path) == expected
    assert absolute_url(request, path) == expected  # the origin remembered
    assert absolute_url(Request(rf.get("/", secure=secure)), path) == rf.get(
        "/", secure=secure
    ).build_absolute_uri(path)


FORM_DATA = [
    {},
    {"q": 'a "b" <c> & d', "company": "nobody", "year": "20x1<", "amount_min": "-1"},
    {"year_from": "2020", "year_to": "2019", "amount_min": "5", "amount_max": "1"},
    {"authority": "a-b", "law": "law-b", "country": "FR", "currency": "EUR", "sort": "-amount"},
    {"include_subsidiaries": "2", "kind": "nope", "status": "", "page": "3"},
]


@pytest.mark.django_db
@pytest.mark.parametrize("data", FORM_DATA)
def test_filter_field_groups_render_as_django_does(data):
    from companies.filters import CompanyFilterSet
    from core.widgets import FastTextInput, field_group

    AuthorityFactory(name='Ampersand & "Quotes" <Court>', slug="a-b")
    LawFactory(short_name="Law <b>", slug="law-b")
    for filterset_class in (SettlementFilterSet, ViolationFilterSet, CompanyFilterSet):
        form = filterset_class(data).form
        form.is_valid()
        assert any(isinstance(f.widget, FastTextInput) for f in form.fields.values())
        for name, field in form.fields.items():
            fast = field_group(form[name])
            assert fast == form[name].as_field_group(), name
            # and the fast widgets write what Django's templates write
            fast_class = type(field.widget)
            field.widget.__class__ = (
                fast_class.__mro__[1] if fast_class.__module__ == "core.widgets" else fast_class
            )
            assert fast == form[name].as_field_group(), name
            field.widget.__class__ = fast_class
