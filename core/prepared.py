"""Statements prepared once per database connection, then run by name (PostgreSQL's PREPARE
and EXECUTE).

The search's statements are long: parsing, analysing and planning them cost PostgreSQL more
than running them (at a million records, its seven statements took 11.8 ms as text and
7.2 ms prepared, through the driver alone). ``execute(cursor, sql, params)`` runs ``sql`` as
``cursor.execute`` would, but on PostgreSQL prepares it on the cursor's connection the first
time and afterwards sends only ``EXECUTE name(values)``. PostgreSQL plans the first five
executions with the values and then keeps a generic plan when it costs no more
(``plan_cache_mode``); a statement whose plan must follow its values should not come here.

Prepared statements belong to the server session, not to a transaction: one prepared in a
transaction that is rolled back stays prepared. A connection that Django replaces (closed,
expired, failed its health check) starts with none. Behind a pooler that hands one session's
statements to another client (PgBouncer in transaction mode before 1.21), set
``DATABASE_PREPARED_STATEMENTS=0``: the text is then sent every time, as elsewhere.

Values are the driver's (``%s`` or ``%(name)s``); each distinct name is one parameter. Each
parameter's type is declared from its Python value (``bool``, ``int``, ``float``, ``str``:
boolean, bigint, double precision, text), and the types are part of the statement's name; a
statement with a value of another type is sent as text.
"""

import hashlib
import re

from django.conf import settings

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")
# The parameter type declared for each type of value; a statement with any other value
# (None, a date, a list) is sent as text, as PostgreSQL may not infer a type for it.
_TYPES = {bool: "boolean", int: "bigint", float: "double precision", str: "text"}
# A bound on the statements one connection keeps; beyond it the text is sent as it is.
MAX_PREPARED = 200
# Each prepared statement's PREPARE command, by name, for query logs and the benchmark.
_PREPARE_COMMANDS: dict[str, str] = {}
_EXECUTE = re.compile(r"\s*EXECUTE (casetrack_[0-9a-f]{24})\b")


def uses_prepared_statements(connection) -> bool:
    return connection.vendor == "postgresql" and getattr(
        settings, "DATABASE_PREPARED_STATEMENTS", True
    )


def _parameters(sql: str, params) -> tuple[str, list]:
    """``sql`` with ``$n`` for the driver's placeholders, and the values in ``$n`` order.
    Without values the driver sends ``sql`` as it is, "%%" included, and so does this."""
    values: list = []
    if params is None:
        return sql, values
    if isinstance(params, dict):
        numbers: dict[str, int] = {}

        def number(match: re.Match) -> str:
            name = match.group(1)
            if name is None:
                if match.group(0) == "%%":
                    return "%"
                raise ValueError("A statement with named values cannot also use %s.")
            if name not in numbers:
                values.append(params[name])
                numbers[name] = len(values)
            return f"${numbers[name]}"
    else:
        given = iter(params or ())

        def number(match: re.Match) -> str:
            if match.group(0) == "%%":
                return "%"
            if match.group(1) is not None:
                raise ValueError("A statement with positional values cannot use %(name)s.")
            values.append(next(given))
            return f"${len(values)}"

    return _PLACEHOLDER.sub(number, sql), values


def _prepared_names(db) -> set[str]:
    """The statements prepared on ``db``'s current connection (a new connection has none)."""
    state = getattr(db, "_casetrack_prepared", None)
    if state is None or state[0] is not db.connection:
        state = db._casetrack_prepared = (db.connection, set())
    return state[1]


def execute(cursor, sql: str, params=None) -> None:
    """``cursor.execute(sql, params)``, through a prepared statement on PostgreSQL."""
    db = cursor.db
    if not uses_prepared_statements(db):
        cursor.execute(sql, params)
        return
    text, values = _parameters(sql, params)
    if any(type(value) not in _TYPES for value in values):
        cursor.execute(sql, params)
        return
    types = ", ".join(_TYPES[type(value)] for value in values)
    signature = f"{types}\n{text}".encode()
    name = "casetrack_" + hashlib.blake2b(signature, digest_size=12).hexdigest()
    prepared = _prepared_names(db)
    if name not in prepared:
        if len(prepared) >= MAX_PREPARED:
            cursor.execute(sql, params)
            return
        declared = f" ({types})" if values else ""
        command = _PREPARE_COMMANDS[name] = f"PREPARE {name}{declared} AS {text}"
        # Once per connection, so not one of a request's queries: past Django's query log
        # (the driver's own cursor; without values it sends the text as it is).
        with db.wrap_database_errors:
            cursor.cursor.execute(command)
        prepared.add(name)
    if values:
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(values))})", values)
    else:
        cursor.execute(f"EXECUTE {name}")


def prepare_command(sql: str) -> str | None:
    """For a logged ``EXECUTE casetrack_…(…)``, the PREPARE command that made the statement
    (what it runs, with ``$n`` for the values); None for any other SQL."""
    match = _EXECUTE.match(sql)
    return _PREPARE_COMMANDS.get(match.group(1)) if match else None


def logged_statement(sql: str) -> str:
    """What a logged query runs: the prepared statement's text for an EXECUTE of one."""
    return prepare_command(sql) or sql
