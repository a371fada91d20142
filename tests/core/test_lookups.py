"""``__any_of``: the same rows as ``__in``, with the list bound as one value on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Violation
from companies.models import Company
from tests.factories import CompanyFactory, ViolationFactory


@pytest.mark.django_db
def test_any_of_selects_what_in_selects():
    companies = [CompanyFactory() for _ in range(5)]
    for company in companies:
        ViolationFactory(company=company)
    for chosen in ([], [companies[0].pk], [c.pk for c in companies[1:4]], [10**12]):
        by_in = set(Violation.objects.filter(company_id__in=chosen).values_list("pk", flat=True))
        by_any = Violation.objects.filter(company_id__any_of=chosen)
        assert set(by_any.values_list("pk", flat=True)) == by_in
        assert set(Company.objects.filter(pk__any_of=chosen).values_list("pk", flat=True)) == (
            set(chosen) & {c.pk for c in companies}
        )


@pytest.mark.django_db
def test_any_of_binds_the_list_as_one_value_on_postgresql():
    company = CompanyFactory()
    ids = [company.pk, *range(10**9, 10**9 + 1000)]
    with CaptureQueriesContext(connection) as queries:
        assert list(Company.objects.filter(pk__any_of=ids).values_list("pk", flat=True)) == [
            company.pk
        ]
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql
    else:
        assert " IN (" in sql


@pytest.mark.django_db
def test_any_of_refuses_what_is_not_an_id():
    with pytest.raises((TypeError, ValueError)):
        list(Company.objects.filter(pk__any_of=["1; DROP TABLE companies_company"]))


@pytest.mark.django_db
def test_an_id_list_selects_what_its_list_selects_without_django_walking_it():
    from unittest import mock

    from django.db.models.sql.query import Query

    from core.lookups import IdList

    companies = [CompanyFactory() for _ in range(3)]
    chosen = [companies[0].pk, companies[2].pk, *range(10**9, 10**9 + 500)]
    resolve = Query.resolve_lookup_value
    with mock.patch.object(Query, "resolve_lookup_value", autospec=True, side_effect=resolve) as r:
        found = set(Company.objects.filter(pk__any_of=IdList(chosen)).values_list("pk", flat=True))
    assert found == {companies[0].pk, companies[2].pk}
    # A list is resolved element by element (500+ calls); the IdList is one value.
    assert r.call_count < 5
    assert len(IdList(chosen)) == len(chosen) and list(IdList(chosen)) == chosen
    with pytest.raises(ValueError):
        IdList(["1; DROP TABLE companies_company"])
