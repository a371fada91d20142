"""Stored, GIN-indexed search documents kept by triggers (PostgreSQL; SQLite gets the
empty columns only). See cases/search_documents.py."""

from django.db import migrations

import cases.models


def install(apps, schema_editor):
    from cases import search_documents

    search_documents.install(schema_editor)


def uninstall(apps, schema_editor):
    from cases import search_documents

    search_documents.uninstall(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_public_summary'),
    ]

    operations = [
        migrations.AddField(
            model_name='lawsuit',
            name='search_document',
            field=cases.models.SearchDocumentField(editable=False, help_text='Derived, PostgreSQL only: the weighted words public search matches and ranks, including the names of linked companies and authorities; kept by database triggers (cases/search_documents.sql).', null=True),
        ),
        migrations.AddField(
            model_name='settlement',
            name='search_document',
            field=cases.models.SearchDocumentField(editable=False, help_text='Derived, PostgreSQL only: the weighted words public search matches and ranks, including the names of linked companies and authorities; kept by database triggers (cases/search_documents.sql).', null=True),
        ),
        migrations.AddField(
            model_name='violation',
            name='search_document',
            field=cases.models.SearchDocumentField(editable=False, help_text='Derived, PostgreSQL only: the weighted words public search matches and ranks, including the names of linked companies and authorities; kept by database triggers (cases/search_documents.sql).', null=True),
        ),
        migrations.RunPython(install, uninstall),
    ]
