"""A function for the search's name candidates: one pass over the trigram index.

The companies half of search (cases/public_selectors.py, SIMILAR_COMPANIES_SQL) took the
companies whose name is like the words (``name % query``) and those whose name holds them
(``name ~* pattern``) in two scans, each visiting the same table pages and testing each row
(the ~1,100 "Northwind…" companies twice). One scan of both conditions (a BitmapOr) visits
each page once and tests the substring first, which settles most rows without computing
similarity. Written in the statement itself, PostgreSQL chose to read the whole table for
some searches ("Northwind Summit 47 plc": similarity() for 25,000 names, ~80 ms); the
function's own SET clause keeps the index to this one lookup (a function with SET is never
inlined into the caller), as migration 0012 does for the aliases.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION casetrack_similar_name_companies(query text, pattern text)
RETURNS TABLE (id bigint, name varchar) LANGUAGE sql STABLE ROWS 1000
SET enable_seqscan = off
AS $$
    SELECT company.id, company.name FROM companies_company company
    WHERE (company.name ~* pattern OR company.name % query) AND company.is_published
$$
"""
DROP = "DROP FUNCTION IF EXISTS casetrack_similar_name_companies(text, text)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_similar_alias_companies"),
        ("companies", "0002_pg_trgm"),
    ]

    operations = [migrations.RunPython(create, drop)]
