"""Page-number pagination that refuses a bad page or page size instead of guessing."""

from django.core.paginator import InvalidPage
from rest_framework.pagination import PageNumberPagination

from api.errors import InvalidParameters
from core.pagination import CountedPaginator

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also passes "²", which int() then refuses (a 500)."""
    return text.isascii() and text.isdigit()


class ApiPagination(PageNumberPagination):
    """Page numbers, not cursors: every ``sort`` of the FilterSets works, ``count`` gives the
    size of the result, and ``?page=3`` is the same page on the site and in the API."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    query_parameters = ("page", "page_size")

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not is_number(raw) or not 1 <= int(raw) <= self.max_page_size:
            raise InvalidParameters(
                {"page_size": f"Enter a whole number from 1 to {self.max_page_size}."}
            )
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param, "1")
        if not is_number(raw) or int(raw) < 1:
            raise InvalidParameters({"page": "Enter a page number: 1, 2, 3 …"})
        self.request = request
        page_size = self.get_page_size(request)
        # The list's size from the summaries when the filter backend found it there
        # (``cases.public_selectors.list_count``, as the page does), else counted.
        known_count = getattr(view, "known_count", None)
        if known_count is None:
            paginator = self.django_paginator_class(queryset, page_size)
        else:
            paginator = CountedPaginator(queryset, page_size, known_count=known_count)
        try:
            self.page = paginator.page(int(raw))
        except InvalidPage:
            raise InvalidParameters(
                {"page": f"There is no page {raw}; the last page is {paginator.num_pages}."}
            ) from None
        return list(self.page)
