"""The table row tags write exactly what the old template loops wrote.

The old templates are kept here verbatim and rendered beside the new ones on the same rows:
hostile names, amounts in other currencies with and without a known rate, lawsuits with no,
an unpublished or a published court, with and without a docket, defendants and settlements.
"""

import datetime
from decimal import Decimal

import pytest
from django.template import engines
from django.template.loader import get_template

from cases.models import Lawsuit, Settlement, Violation
from cases.public_selectors import public_lawsuits, public_settlements, public_violations
from tests.factories import (
    AuthorityFactory,
    CompanyFactory,
    ExchangeRateFactory,
    LawsuitFactory,
    SettlementFactory,
    ViolationFactory,
)

OLD_VIOLATION_TABLE = """{% load casetrack %}
<table class="records">
  <caption class="visually-hidden">Penalties{% if caption %}: {{ caption }}{% endif %}</caption>
  <thead>
    <tr><th scope="col" class="num">Amount</th><th scope="col">Company</th><th scope="col">Authority</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Decided</th></tr>
  </thead>
  <tbody>
    {% for violation in violations %}
    <tr>
      <td class="num" data-label="Amount"><a class="amount" href="{{ violation.get_absolute_url }}">{{ violation.amount_display }}</a>{% if violation.currency != "USD" and violation.amount_usd is not None %}<span class="approx-usd" title="Approximate, at the yearly average rate">{{ violation.amount_usd_display }}</span>{% endif %}</td>
      <td data-label="Company"><a href="{{ violation.company.get_absolute_url }}">{{ violation.company.name }}</a></td>
      <td data-label="Authority"><a href="{{ violation.authority.get_absolute_url }}">{{ violation.authority.abbreviation|default:violation.authority.name }}</a></td>
      <td data-label="Kind">{{ violation.get_kind_display }}</td>
      <td data-label="Status"><span class="badge badge-{{ violation.status }}">{{ violation.get_status_display }}</span></td>
      <td class="date" data-label="Decided">{{ violation.decided_on_display }}</td>
    </tr>
    {% endfor %}
  </tbody>
</table>
"""  # noqa: E501

OLD_SETTLEMENT_TABLE = """{% load casetrack %}
<table class="records">
  <caption class="visually-hidden">Settlements{% if caption %}: {{ caption }}{% endif %}</caption>
  <thead>
    <tr><th scope="col" class="num">Amount</th><th scope="col">Case</th><th scope="col">Defendants</th><th scope="col">Court or authority</th><th scope="col">Status</th><th scope="col">Announced</th></tr>
  </thead>
  <tbody>
    {% for settlement in settlements %}
    <tr>
      <td class="num" data-label="Amount"><a class="amount" href="{{ settlement.get_absolute_url }}">{{ settlement.amount_display }}</a>{% if settlement.currency != "USD" and settlement.amount_usd is not None %}<span class="approx-usd" title="Approximate, at the yearly average rate">{{ settlement.amount_usd_display }}</span>{% endif %}</td>
      <td data-label="Case"><a href="{{ settlement.lawsuit.get_absolute_url }}">{{ settlement.lawsuit.title }}</a></td>
      <td data-label="Defendants">{% include "cases/_defendants.html" with lawsuit=settlement.lawsuit %}</td>
      <td data-label="Court or authority">{% with authority=settlement.lawsuit.authority %}{% if authority and authority.is_published %}<a href="{{ authority.get_absolute_url }}">{{ authority.abbreviation|default:authority.name }}</a>{% else %}<span class="muted">—</span>{% endif %}{% endwith %}</td>
      <td data-label="Status"><span class="badge badge-{{ settlement.status }}">{{ settlement.get_status_display }}</span></td>
      <td class="date" data-label="Announced">{{ settlement.announced_on_display|default:"—" }}</td>
    </tr>
    {% endfor %}
  </tbody>
</table>
"""  # noqa: E501

OLD_LAWSUIT_TABLE = """{% load casetrack %}
<table class="records">
  <caption class="visually-hidden">Lawsuits{% if caption %}: {{ caption }}{% endif %}</caption>
  <thead>
    <tr><th scope="col">Case</th><th scope="col">Defendants</th><th scope="col">Court or authority</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Filed</th><th scope="col" class="num">Settled for</th></tr>
  </thead>
  <tbody>
    {% for lawsuit in lawsuits %}
    <tr>
      <td data-label="Case"><a href="{{ lawsuit.get_absolute_url }}">{{ lawsuit.title }}</a>{% if lawsuit.docket_number %}<span class="docket">{{ lawsuit.docket_number }}</span>{% endif %}</td>
      <td data-label="Defendants">{% include "cases/_defendants.html" %}</td>
      <td data-label="Court or authority">{% if lawsuit.authority and lawsuit.authority.is_published %}<a href="{{ lawsuit.authority.get_absolute_url }}">{{ lawsuit.authority.abbreviation|default:lawsuit.authority.name }}</a>{% else %}<span class="muted">—</span>{% endif %}</td>
      <td data-label="Kind">{{ lawsuit.get_kind_display }}</td>
      <td data-label="Status"><span class="badge badge-{{ lawsuit.status }}">{{ lawsuit.get_status_display }}</span></td>
      <td class="date" data-label="Filed">{{ lawsuit.filed_on_display|default:"—" }}</td>
      <td class="num" data-label="Settled for">{% if lawsuit.settled_usd %}{{ lawsuit.settled_usd|usd_approx }}{% else %}<span class="muted">—</span>{% endif %}</td>
    </tr>
    {% endfor %}
  </tbody>
</table>
"""  # noqa: E501

HOSTILE = 'A & B "Q" <i>L\'x</i>'


@pytest.fixture
def records(db):
    ExchangeRateFactory(currency="EUR", year=2019)
    ExchangeRateFactory(currency="GBP", year=2021)
    bad_company = CompanyFactory(name=HOSTILE, slug="bad")
    court = AuthorityFactory(name=HOSTILE, abbreviation="", slug="court")
    abbreviated = AuthorityFactory(name="Federal Trade Commission", abbreviation="F&TC")
    hidden = AuthorityFactory(name="Hidden", is_published=False)
    ViolationFactory(
        company=bad_company, authority=court, currency="EUR", amount=Decimal("1200.50")
    )
    ViolationFactory(authority=abbreviated, currency="XTS", amount=Decimal(7))  # no known rate
    ViolationFactory(
        kind=Violation.Kind.CONSENT_ORDER,
        status=Violation.Status.APPEALED,
        decided_on=datetime.date(2020, 5, 1),
        decided_on_precision="month",
        amount=Decimal("0.00"),
    )
    lawsuits = [
        LawsuitFactory(title=HOSTILE, authority=None, docket_number="", defendants=[]),
        LawsuitFactory(authority=hidden, defendants=[bad_company, CompanyFactory()]),
        LawsuitFactory(
            authority=abbreviated,
            kind=Lawsuit.Kind.REGULATORY,
            status=Lawsuit.Status.SETTLED,
            filed_on=None,
            docket_number="<1>",
        ),
        LawsuitFactory(authority=court, defendants=[CompanyFactory(is_published=False)]),
    ]
    for lawsuit, currency in zip(lawsuits, ["USD", "GBP", "XTS", "EUR"], strict=True):
        SettlementFactory(lawsuit=lawsuit, currency=currency, announced_on=None)
        SettlementFactory(
            lawsuit=lawsuit,
            currency=currency,
            status=Settlement.Status.FINAL_APPROVAL,
            announced_on=datetime.date(2021, 1, 1),
            announced_on_precision="year",
        )


CASES = [
    ("violations", OLD_VIOLATION_TABLE, "cases/_violation_table.html", public_violations),
    ("settlements", OLD_SETTLEMENT_TABLE, "cases/_settlement_table.html", public_settlements),
    ("lawsuits", OLD_LAWSUIT_TABLE, "cases/_lawsuit_table.html", public_lawsuits),
]


@pytest.mark.parametrize(("variable", "old_text", "new_name", "rows"), CASES)
@pytest.mark.parametrize("caption", ["", "Of <this>"])
def test_tables_write_what_the_template_loops_wrote(
    records, variable, old_text, new_name, rows, caption
):
    for queryset in (rows(), rows().model.objects.all(), rows().none()):
        context = {variable: list(queryset.order_by("pk")), "caption": caption}
        old = engines["django"].from_string(old_text).render(context)
        new = get_template(new_name).render(context)
        assert new == old
    assert "&amp;" in new or not context[variable]


@pytest.mark.django_db
def test_the_fixture_covers_the_branches(records):
    html = "".join(
        get_template(name).render({variable: list(rows())}) for variable, _, name, rows in CASES
    )
    for text in [
        "approx-usd",  # another currency with a rate
        "7 XTS</a></td>",  # no rate: no approximate value
        "F&amp;TC",  # the abbreviation
        '<span class="docket">&lt;1&gt;</span>',
        '<span class="muted">—</span>',  # no court, no defendants, not settled
        "A &amp; B &quot;Q&quot; &lt;i&gt;L&#x27;x&lt;/i&gt;",
        "</a>, <a ",  # two defendants
        "May 2020",
        '<td class="date" data-label="Announced">—</td>',
    ]:
        assert text in html, text
