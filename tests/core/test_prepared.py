"""core.prepared: a statement prepared once per connection answers what its text answers."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import prepared

# Named values, one used twice, a literal "%" and a value of each declared type.
NAMED = """
    SELECT %(word)s || '%%' AS marked, upper(%(word)s) AS shouted,
           %(number)s + 1 AS next, %(flag)s AND TRUE AS flag, %(share)s * 2 AS doubled
"""
VALUES = {"word": "it's", "number": 41, "flag": True, "share": 0.25}
EXPECTED = ("it's%", "IT'S", 42, True, 0.5)


def run(sql, params=None):
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        return cursor.fetchall()


def prepared_on_server() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def test_placeholders_become_numbered_parameters():
    text, values = prepared._parameters(NAMED, VALUES)
    assert "%(" not in text and "$1 || '%'" in text and "upper($1)" in text
    assert "$2 + 1" in text and "$3 AND TRUE" in text and "$4 * 2" in text
    assert values == ["it's", 41, True, 0.25]
    text, values = prepared._parameters("SELECT %s, %s LIKE 'a%%'", ["x", "y"])
    assert (text, values) == ("SELECT $1, $2 LIKE 'a%'", ["x", "y"])
    with pytest.raises(ValueError, match="named values"):
        prepared._parameters("SELECT %(a)s, %s", {"a": 1})
    with pytest.raises(ValueError, match="positional values"):
        prepared._parameters("SELECT %s, %(a)s", [1])


@pytest.mark.django_db
def test_the_prepared_statement_answers_what_the_text_answers():
    with connection.cursor() as cursor:
        cursor.execute(NAMED, VALUES)
        assert cursor.fetchall() == [EXPECTED]
    assert run(NAMED, VALUES) == [EXPECTED]
    assert run(NAMED, VALUES | {"word": "other", "number": -1}) == [
        ("other%", "OTHER", 0, True, 0.5)
    ]
    assert run("SELECT 'a%%b'") == [("a%%b",)]  # no values: the driver sends it as it is
    assert run("SELECT 'a%%b'", []) == [("a%b",)]
    assert run("SELECT %s * 2", [21]) == [(42,)]


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_it_is_prepared_once_and_then_run_by_name():
    with CaptureQueriesContext(connection) as queries:
        for number in (1, 2, 3):
            assert run(NAMED, VALUES | {"number": number})[0][2] == number + 1
    logged = [query["sql"] for query in queries.captured_queries]
    assert len(logged) == 3 and all(sql.startswith("EXECUTE casetrack_") for sql in logged)
    assert len({sql.split("(")[0] for sql in logged}) == 1  # one statement, three runs
    command = prepared.prepare_command(logged[0])
    assert command.startswith("PREPARE casetrack_") and "upper($1)" in command
    assert "(text, bigint, boolean, double precision)" in command
    assert prepared.logged_statement(logged[0]) == command
    assert prepared.logged_statement("SELECT 1") == "SELECT 1"
    assert logged[0].split("(")[0].removeprefix("EXECUTE ") in prepared_on_server()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_or_a_new_connection_does_not_lose_the_statement():
    with transaction.atomic():
        assert run(NAMED, VALUES) == [EXPECTED]  # prepared inside the transaction
        transaction.set_rollback(True)
    assert run(NAMED, VALUES) == [EXPECTED]  # still prepared: not transactional
    connection.close()
    assert run(NAMED, VALUES) == [EXPECTED]  # a new session, prepared again
    assert len([n for n in prepared_on_server() if n.startswith("casetrack_")]) == 1


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_values_of_other_types_make_other_statements_or_none():
    with CaptureQueriesContext(connection) as queries:
        assert run("SELECT %s::bigint IS NULL", [5]) == [(False,)]
        assert run("SELECT %s::text IS NULL", ["5"]) == [(False,)]
        assert run("SELECT %s::bigint IS NULL", [None]) == [(True,)]  # no type: sent as text
    first, second, third = (query["sql"] for query in queries.captured_queries)
    assert first.startswith("EXECUTE") and second.startswith("EXECUTE") and first != second
    assert prepared.prepare_command(first) != prepared.prepare_command(second)
    assert third.startswith("SELECT NULL::bigint")


@pytest.mark.django_db
def test_without_prepared_statements_the_text_is_sent(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as queries:
        assert run(NAMED, VALUES) == [EXPECTED]
    assert "upper(" in queries.captured_queries[0]["sql"]


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_past_the_bound_the_text_is_sent(monkeypatch):
    run("SELECT 1 AS warm")
    monkeypatch.setattr(prepared, "MAX_PREPARED", len(prepared._prepared_names(connection)))
    with CaptureQueriesContext(connection) as queries:
        assert run("SELECT %s::int AS beyond", [7]) == [(7,)]
        assert run("SELECT 1 AS warm") == [(1,)]  # already prepared: still by name
    logged = [query["sql"] for query in queries.captured_queries]
    assert logged[0].startswith("SELECT") and logged[1].startswith("EXECUTE casetrack_")
