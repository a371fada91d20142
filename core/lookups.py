"""``field__any_of=[...]``: membership in a long list of ids, passed as one value.

Django's ``__in`` prepares and binds every element (a largest family's 1,041 company ids,
three times per company page: ~20 ms of Python). On PostgreSQL ``= ANY(%s)`` binds the list
as one array (written as its text literal, ``'{1,2,3}'::bigint[]``), which the planner treats
exactly as the IN list it rewrites IN into; elsewhere it is the plain IN list.
"""

from django.db import models
from django.db.models import Lookup


class IdList:
    """Ids checked once, with their array literal written once: not a list, so that Django
    does not walk it for expressions (``Query.resolve_lookup_value``) each time it filters,
    and ``AnyOf`` neither converts nor joins it again (1,041 ids: ~0.5 ms a filter)."""

    __slots__ = ("ids", "literal")

    def __init__(self, ids):
        self.ids = tuple(int(value) for value in ids)
        self.literal = "{" + ",".join(map(str, self.ids)) + "}"

    def __iter__(self):
        return iter(self.ids)

    def __len__(self):
        return len(self.ids)

    def __eq__(self, other):
        return isinstance(other, IdList) and other.ids == self.ids

    def __hash__(self):
        return hash(self.ids)

    def __repr__(self):
        return f"IdList({list(self.ids)!r})"


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return self.rhs if isinstance(self.rhs, IdList) else IdList(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql, params = ids_condition(lhs, self.rhs, connection.vendor)
        return sql, (*lhs_params, *params)


def ids_condition(column: str, ids: IdList, vendor: str) -> tuple[str, tuple]:
    """SQL for ``column`` among ``ids`` and its parameters: on PostgreSQL one array, bound as
    its text form (psycopg2 adapts a list element by element into ARRAY[...], 0.9 ms for
    1,041 ids, which the planner then folds, 0.8 ms more); elsewhere an IN list."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", (ids.literal,)
    if not ids:
        return "1 = 0", ()
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids.ids


def register() -> None:
    models.ForeignKey.register_lookup(AnyOf)
    models.AutoField.register_lookup(AnyOf)
    models.BigAutoField.register_lookup(AnyOf)
