import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from companies.models import Company
from companies.selectors import company_family, company_find_by_name, company_subsidiaries
from companies.services import company_alias_add, company_create, company_set_parent
from tests.factories import CompanyFactory


@pytest.fixture
def family(db):
    parent = company_create(name="ByteDance", is_published=True)
    child = company_create(name="TikTok", parent=parent, aliases=("TikTok Inc.",))
    grandchild = company_create(name="Musical.ly", parent=child)
    unrelated = company_create(name="Other Co")
    return parent, child, grandchild, unrelated


def test_family_includes_every_descendant_but_not_ancestors(family):
    parent, child, grandchild, unrelated = family
    assert set(company_family(parent)) == {parent, child, grandchild}
    assert set(company_family(child)) == {child, grandchild}
    assert set(company_subsidiaries(parent)) == {child, grandchild}
    assert set(company_family(unrelated)) == {unrelated}


def test_making_a_descendant_the_parent_is_refused_by_the_service(family):
    parent, _, grandchild, _ = family
    with pytest.raises(ValidationError) as error:
        company_set_parent(company=parent, parent=grandchild)
    assert "cycle" in str(error.value.message_dict["parent"])
    parent.refresh_from_db()
    assert parent.parent is None


def test_making_a_descendant_the_parent_is_refused_by_clean(family):
    parent, child, _, _ = family
    parent.parent = child
    with pytest.raises(ValidationError) as error:
        parent.full_clean()
    assert "cycle" in error.value.message_dict["parent"][0]


def test_a_company_cannot_be_its_own_parent(family):
    parent = family[0]
    with pytest.raises(ValidationError, match="own parent"):
        company_set_parent(company=parent, parent=parent)
    # The database refuses it too, whatever path the write takes.
    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.filter(pk=parent.pk).update(parent=parent)


def test_moving_a_company_under_an_unrelated_one_is_allowed(family):
    _, child, _, unrelated = family
    company_set_parent(company=child, parent=unrelated)
    assert child in company_family(unrelated)


def test_company_names_and_aliases_are_unique_ignoring_case(family):
    with pytest.raises(ValidationError):
        company_create(name="bytedance", country="")
    with pytest.raises(ValidationError):
        company_alias_add(company=family[3], name="tiktok inc.")


def test_find_by_name_matches_names_and_aliases(family):
    assert company_find_by_name("tiktok inc.") == family[1]
    assert company_find_by_name("MUSICAL.LY") == family[2]
    assert company_find_by_name("Nobody") is None
    assert company_find_by_name("  ") is None


def test_invalid_country_is_refused(db):
    company = CompanyFactory.build(country="XX")
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert "country" in error.value.message_dict
