"""Indexes in the public lists' orders, on PostgreSQL (SQLite cannot index NULLS LAST).

The lists sort by date or approximate USD amount, newest or largest first with nulls last,
then by id. An index in exactly that order lets PostgreSQL read the first page from the
index instead of sorting every matching row, and serves year and amount ranges. Measured at
a million records in docs/benchmarks.md.
"""

from django.db import migrations

INDEXES = [
    ("settlement_date_idx", "cases_settlement", "announced_on"),
    ("settlement_usd_idx", "cases_settlement", "amount_usd"),
    ("violation_date_idx", "cases_violation", "decided_on"),
    ("violation_usd_idx", "cases_violation", "amount_usd"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({column} DESC NULLS LAST, id DESC)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_editors_group")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
