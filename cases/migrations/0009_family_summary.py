"""Family summaries (a company and every subsidiary below it) and the triggers that mark a
family when a company joins, leaves or moves within it. See ``cases.summary``.

Also, on PostgreSQL, an index in the lawsuits' newest-first order (as 0003 made for
settlements and violations): a family's 20 newest lawsuits on its company page were found
by hashing every lawsuit of the family, now by walking the index (docs/benchmarks.md).
"""

import django.db.models.deletion
from django.db import migrations, models


def install_and_fill(apps, schema_editor):
    from cases import summary

    summary.install_triggers(schema_editor)
    summary.rebuild_families()


def create_lawsuit_date_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS lawsuit_date_idx "
            "ON cases_lawsuit (filed_on DESC NULLS LAST, id DESC)"
        )


def drop_lawsuit_date_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS lawsuit_date_idx")


def remove(apps, schema_editor):
    from cases import summary

    for statement in summary.drop_trigger_sql(
        schema_editor.connection.vendor, prefix="summary_company_parent_"
    ):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_search_narrow'),
        ('companies', '0002_pg_trgm'),
    ]

    operations = [
        migrations.CreateModel(
            name='FamilySummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('grain', models.CharField(choices=[('totals', 'Year, kind, status and currency'), ('authority', 'Year and authority'), ('law', 'Year and law'), ('authority*', 'Authority, all years'), ('law*', 'Law, all years'), ('band', 'Year, amount band, kind, status and currency'), ('bandauth', 'Year, amount band and authority'), ('bandauth*', 'Amount band and authority, all years')], help_text='Which dimensions this row is grouped by besides the year (totals or authority).', max_length=10)),
                ('record_type', models.CharField(choices=[('lawsuit', 'Lawsuit'), ('settlement', 'Settlement'), ('violation', 'Violation')], help_text='The kind of record counted.', max_length=10)),
                ('year', models.PositiveSmallIntegerField(help_text="Year of the record's leading date (decided, announced, filed); 0 when unknown.")),
                ('kind', models.CharField(blank=True, help_text='Kind of penalty or of case (totals grain).', max_length=20)),
                ('status', models.CharField(blank=True, help_text='Status (totals grain).', max_length=25)),
                ('currency', models.CharField(blank=True, help_text='Currency (totals grain).', max_length=3)),
                ('record_count', models.PositiveIntegerField(help_text='How many public records.')),
                ('amount_total', models.DecimalField(decimal_places=2, default=0, help_text='Sum of the amounts in their currency (totals grain only).', max_digits=30)),
                ('usd_total', models.DecimalField(decimal_places=2, default=0, help_text='Sum of the approximate USD values.', max_digits=30)),
                ('usd_count', models.PositiveIntegerField(default=0, help_text='How many of the records have an approximate USD value.')),
                ('authority', models.ForeignKey(blank=True, db_constraint=False, help_text="The authority (authority grain); for settlements, their lawsuit's.", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cases.authority')),
                ('company', models.ForeignKey(db_constraint=False, db_index=False, help_text='The company at the top of the family these figures cover.', on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='companies.company')),
            ],
            options={
                'indexes': [models.Index(fields=['company', 'record_type', 'grain', 'year'], name='family_summary_slice_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('grain__in', ['totals', 'authority'])), name='family_summary_grain_valid'), models.CheckConstraint(condition=models.Q(('record_type__in', ['lawsuit', 'settlement', 'violation'])), name='family_summary_record_type_valid', violation_error_message='record_type must be one of: lawsuit, settlement, violation.')],
            },
        ),
        migrations.RunPython(install_and_fill, remove),
        migrations.RunPython(create_lawsuit_date_index, drop_lawsuit_date_index),
    ]
