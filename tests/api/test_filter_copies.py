"""Each FilterSet works on its own copies of the declared filters (core.filters).

They are copied without ``copy.deepcopy`` (``_filter_for_instance``): what a FilterSet
changes on them must stay its own, and its method filters must call it, not another one.
"""

from django.http import QueryDict

from cases.filters import SettlementFilterSet, ViolationFilterSet
from cases.models import Settlement, Violation


def test_two_filtersets_alive_at_once_each_filter_by_their_own_parameters(records):
    family = ViolationFilterSet(QueryDict("company=alpha"), Violation.objects.published())
    own = ViolationFilterSet(
        QueryDict("company=alpha&include_subsidiaries=0"), Violation.objects.published()
    )
    assert family.is_valid() and own.is_valid()

    # Evaluated in the other order from their creation: each uses its own form's data.
    own_rows = list(own.qs)
    family_rows = list(family.qs)

    assert own_rows == [records["v3"]]
    assert family_rows == [records["v3"], records["v1"]]


def test_filters_are_the_filtersets_own_and_leave_the_declared_ones_alone(records):
    declared = SettlementFilterSet.base_filters
    first = SettlementFilterSet(
        QueryDict("authority=district-court"), Settlement.objects.published()
    )
    second = SettlementFilterSet(QueryDict("q=cookie"), Settlement.objects.published())
    assert first.is_valid() and second.is_valid()

    for name in ("q", "company", "authority", "sort"):
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name] is not declared[name]
        assert first.filters[name].parent is first
        assert second.filters[name].parent is second
    assert first.filters["q"].filter.f is first.filters["q"]  # the method, bound to the copy
    assert not hasattr(declared["authority"], "parent")
    assert not hasattr(declared["authority"], "_field")
    first_queryset = first.filters["authority"].extra["queryset"]
    assert first_queryset is not declared["authority"].queryset
    assert first_queryset is not second.filters["authority"].extra["queryset"]
    assert list(first.qs) == [records["s1"]]
    assert list(second.qs) == [records["s2"]]
