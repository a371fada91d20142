"""Settings come from the environment; production settings are safe. Each case starts a
fresh Python process, since settings are read once at import."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "casetrack.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://casetrack.example.org",
}


def manage(*args, **environment):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_setting(expression: str, **environment) -> str:
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        f"from django.conf import settings; print({expression})",
        **environment,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_nothing_set_means_sqlite_beside_the_project_and_debug_on():
    assert read_setting("settings.DATABASES['default']['ENGINE']") == "django.db.backends.sqlite3"
    assert read_setting("settings.DATABASES['default']['NAME']") == str(PROJECT / "db.sqlite3")
    assert read_setting("settings.DEBUG") == "True"
    assert read_setting("settings.CELERY_TASK_ALWAYS_EAGER") == "True"


def test_database_url_selects_postgresql():
    engine = read_setting(
        "settings.DATABASES['default']['ENGINE']",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/casetrack",
    )
    assert engine == "django.db.backends.postgresql"


def test_the_development_secret_key_is_refused_when_debug_is_off():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("settings.ALLOWED_HOSTS", "['casetrack.example.org']"),
        ("settings.CSRF_TRUSTED_ORIGINS", "['https://casetrack.example.org']"),
        ("settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE", "True"),
        ("settings.CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        ("settings.CELERY_TASK_ALWAYS_EAGER", "False"),
    ],
)
def test_production_values_are_read_from_the_environment(expression, expected):
    value = read_setting(expression, CELERY_BROKER_URL="redis://127.0.0.1:6379/0", **PRODUCTION)
    assert value == expected
