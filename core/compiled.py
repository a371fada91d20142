"""Querysets compiled to SQL once per process and run again with other ids.

Building and compiling a queryset is Django's Python work, the same every time when only a
list of ids changes: a search's three record querysets and its defendants took ~5 ms of it,
an API page's defendants and sources ~1 ms. ``compiled(name, make_queryset, id_column)``
compiles ``make_queryset()`` restricted to ``id_column IN (ids)`` once per process (the
SQL names no database). ``rows(ids)`` runs it (the ids bound as ``__any_of`` binds them,
core.lookups) and converts the values as the queryset would; ``objects(ids)`` makes model
instances of the rows as Django's ModelIterable does (select_related included, annotations
set). Both keep the queryset's order.
"""

from collections.abc import Callable, Iterable
from functools import partial

from django.db import connections
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import get_related_populators

from core import prepared
from core.lookups import IdList, ids_condition

# Where the ids go in the compiled SQL; not a placeholder, so Django leaves it alone.
_IDS = "casetrack_compiled_ids"


class CompiledQuery:
    def __init__(self, queryset: QuerySet, id_column: str):
        self.condition = f"{id_column} IN ({_IDS})"
        self.id_column = id_column
        queryset = queryset.filter(RawSQL(self.condition, (), output_field=BooleanField()))
        self.db = queryset.db
        self.fetch_mode = queryset._fetch_mode
        compiler = self.compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = compiler.as_sql()
        before = self.sql[: self.sql.index(self.condition)]
        assert "%%" not in before  # the placeholders before the ids are counted
        self.ids_at = before.count("%s")
        self.params = tuple(params)
        self.vendor = connections[self.db].vendor
        assert not queryset._known_related_objects and not self.fetch_mode.track_peers

    def _results(self, ids: Iterable[int]) -> Iterable:
        ids = IdList(ids)
        if not ids:
            return []
        condition, inserted = ids_condition(self.id_column, ids, self.vendor)
        sql = self.sql.replace(self.condition, condition)
        params = [*self.params[: self.ids_at], *inserted, *self.params[self.ids_at :]]
        with connections[self.db].cursor() as cursor:
            prepared.execute(cursor, sql, params)
            rows = cursor.fetchall()
        return self.compiler.results_iter([rows])

    def rows(self, ids: Iterable[int]) -> list:
        """The selected values of the rows (a ``values_list`` queryset's tuples)."""
        return [tuple(row) for row in self._results(ids)]

    def objects(self, ids: Iterable[int]) -> list:
        """Model instances of the rows, with their select_related objects."""
        klass_info, select = self.compiler.klass_info, self.compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        from_db = partial(klass_info["model"].from_db, fetch_mode=self.fetch_mode)
        populators = get_related_populators(klass_info, select, self.db, self.fetch_mode)
        annotations = self.compiler.annotation_col_map
        objects = []
        for row in self._results(ids):
            obj = from_db(self.db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations.items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


_COMPILED: dict[tuple, CompiledQuery] = {}


def compiled(name: str, make_queryset: Callable[[], QuerySet], id_column: str) -> CompiledQuery:
    """``make_queryset()`` restricted to ``id_column`` (a column as written in its SQL, e.g.
    ``cases_lawsuit.id``) in a list of ids, compiled the first time ``name`` is asked for."""
    query = _COMPILED.get(name)
    if query is None:
        query = _COMPILED[name] = CompiledQuery(make_queryset(), id_column)
    return query
