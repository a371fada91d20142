"""A function for the search's alias candidates that always reads the trigram index.

The companies half of search (cases/public_selectors.py, SIMILAR_COMPANIES_SQL) finds the
aliases like the visitor's words with ``name % query``. PostgreSQL prices that operator as
cheap, so for many searches it chose to compute similarity() for each of the 8,334 aliases
of the benchmark (14 ms) over the trigram index (0.2 ms). A function's own SET clause keeps
the index choice to this one lookup (a function with SET is never inlined into the caller).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION casetrack_similar_alias_companies(query text)
RETURNS SETOF bigint LANGUAGE sql STABLE ROWS 10
SET enable_seqscan = off
AS $$ SELECT company_id FROM companies_companyalias WHERE name % query $$
"""
DROP = "DROP FUNCTION IF EXISTS casetrack_similar_alias_companies(text)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_band_summaries"),
        ("companies", "0002_pg_trgm"),
    ]

    operations = [migrations.RunPython(create, drop)]
