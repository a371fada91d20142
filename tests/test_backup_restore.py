"""The backup procedure in docs/operations.md works: pg_dump, pg_restore, every record back."""

import shutil
import subprocess

import psycopg2
import pytest
from django.db import connection

from cases.models import Lawsuit, Settlement, Violation
from companies.models import Company
from tests.factories import ViolationFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

TABLES = {
    "companies_company": Company,
    "cases_lawsuit": Lawsuit,
    "cases_settlement": Settlement,
    "cases_violation": Violation,
}


def connection_args(settings: dict) -> list[str]:
    args = ["-h", settings["HOST"] or "127.0.0.1", "-U", settings["USER"] or "postgres"]
    if settings.get("PORT"):
        args += ["-p", str(settings["PORT"])]
    return args


def test_a_dump_restores_every_record(seed, tmp_path):
    assert shutil.which("pg_dump") and shutil.which("pg_restore"), "PostgreSQL client tools"
    ViolationFactory.create_batch(25)
    settings = connection.settings_dict
    dump = tmp_path / "casetrack.dump"
    restored_name = f"{settings['NAME']}_restore"
    args = connection_args(settings)
    subprocess.run(
        ["pg_dump", *args, "--format=custom", "--file", str(dump), settings["NAME"]], check=True
    )
    subprocess.run(["dropdb", *args, "--if-exists", restored_name], check=True)
    subprocess.run(["createdb", *args, restored_name], check=True)
    try:
        subprocess.run(
            ["pg_restore", *args, "--no-owner", "--dbname", restored_name, str(dump)], check=True
        )
        with psycopg2.connect(
            dbname=restored_name,
            host=settings["HOST"] or "127.0.0.1",
            user=settings["USER"] or "postgres",
            port=settings.get("PORT") or 5432,
        ) as restored:
            cursor = restored.cursor()
            for table, model in TABLES.items():
                cursor.execute(f"SELECT count(*) FROM {table}")
                assert cursor.fetchone()[0] == model.objects.count(), table
            cursor.execute("SELECT amount, currency FROM cases_settlement")
            assert cursor.fetchall() == [(s.amount, s.currency) for s in Settlement.objects.all()]
        restored.close()
    finally:
        subprocess.run(["dropdb", *args, "--if-exists", restored_name], check=True)
