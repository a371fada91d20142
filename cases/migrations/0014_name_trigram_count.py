"""Each company name's number of trigrams, stored, so the search computes few similarities.

pg_trgm's similarity of two strings is their shared trigrams over all the trigrams of both,
so it is at most the smaller trigram count over the larger: a bound that needs only the
two counts. The search (cases/public_selectors.py, SIMILAR_COMPANIES_SQL and the company
walk's _MATCHING_COMPANIES) ranks companies by similarity but shows only the best few; with
each name's count stored it computes similarity() for the names whose bound can still reach
the page, not for every candidate (~70 instead of ~1,100 for "Northwind" at a million
records; similarity() costs ~2 µs a name). A stored generated column: PostgreSQL keeps it
right on every write (ORM, bulk insert, COPY, raw SQL); the model does not declare it, as
SQLite has no show_trgm(). The name candidates' function returns it too.
"""

import importlib

from django.db import migrations

ADD_COLUMN = """
ALTER TABLE companies_company ADD COLUMN IF NOT EXISTS name_trigram_count integer
GENERATED ALWAYS AS (cardinality(show_trgm(name))) STORED
"""
DROP_COLUMN = "ALTER TABLE companies_company DROP COLUMN IF EXISTS name_trigram_count"
COMMENT = """
COMMENT ON COLUMN companies_company.name_trigram_count IS
'Number of distinct trigrams of the name (pg_trgm), kept by PostgreSQL; bounds similarity()'
"""

DROP_FUNCTION = "DROP FUNCTION IF EXISTS casetrack_similar_name_companies(text, text)"
CREATE_FUNCTION = """
CREATE FUNCTION casetrack_similar_name_companies(query text, pattern text)
RETURNS TABLE (id bigint, name varchar, trigram_count integer) LANGUAGE sql STABLE ROWS 1000
SET enable_seqscan = off
AS $$
    SELECT company.id, company.name, company.name_trigram_count FROM companies_company company
    WHERE (company.name ~* pattern OR company.name % query) AND company.is_published
$$
"""


def previous_function() -> str:
    return importlib.import_module("cases.migrations.0013_similar_name_companies").CREATE


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in (ADD_COLUMN, COMMENT, DROP_FUNCTION, CREATE_FUNCTION):
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in (DROP_FUNCTION, previous_function(), DROP_COLUMN):
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_similar_name_companies")]

    operations = [migrations.RunPython(forwards, backwards)]
