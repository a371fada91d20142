"""A paginator that is told the number of rows instead of counting them."""

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """A paginator told the number of rows (from the summaries) instead of counting them."""

    def __init__(self, *args, known_count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["count"] = known_count
