"""docker-compose.yml, the Dockerfile and .env.example checked without a Docker engine."""

import re
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
SOURCE_DIRS = ("config", "core", "companies", "cases", "articles")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((PROJECT / "docker-compose.yml").read_text())


def variables_read_by_settings() -> set[str]:
    text = (PROJECT / "config" / "settings.py").read_text()
    return set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", text))


def variables_read_anywhere() -> set[str]:
    names = variables_read_by_settings()
    paths = [path for folder in SOURCE_DIRS for path in (PROJECT / folder).rglob("*.py")]
    for path in [*paths, PROJECT / "gunicorn.conf.py"]:
        names |= set(
            re.findall(
                r"""os\.environ(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]*)["']""", path.read_text()
            )
        )
    names.discard("DJANGO_SETTINGS_MODULE")
    return names


def command_text(service: dict) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_the_services_are_the_production_shape(compose):
    assert set(compose["services"]) == {"db", "redis", *APP_SERVICES}


def test_the_database_is_postgres_17_with_a_healthcheck_and_a_named_volume(compose):
    db = compose["services"]["db"]
    assert db["image"] == "postgres:17"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]


def test_web_migrates_collects_static_then_serves_with_gunicorn(compose):
    web = compose["services"]["web"]
    command = command_text(web)
    steps = [command.index(s) for s in ("migrate", "collectstatic", "gunicorn config.wsgi")]
    assert steps == sorted(steps)
    assert web["depends_on"]["db"]["condition"] == "service_healthy"


def test_worker_and_beat_run_celery_from_the_same_image(compose):
    services = compose["services"]
    assert command_text(services["worker"]).startswith("celery -A config worker")
    assert command_text(services["beat"]).startswith("celery -A config beat")
    images = {(services[name]["build"], services[name]["image"]) for name in APP_SERVICES}
    assert len(images) == 1


def test_app_services_share_one_environment_the_code_reads(compose):
    environments = [compose["services"][name]["environment"] for name in APP_SERVICES]
    assert all(env == environments[0] for env in environments)
    unknown = set(environments[0]) - variables_read_anywhere()
    assert not unknown, f"set by docker-compose but never read: {unknown}"
    assert environments[0]["DEBUG"] == "0"
    assert "@db:5432/" in environments[0]["DATABASE_URL"]
    assert environments[0]["CELERY_BROKER_URL"].startswith("redis://redis:")


def test_env_example_lists_every_variable_with_an_explanation():
    lines = (PROJECT / ".env.example").read_text().splitlines()
    listed = {}
    for number, line in enumerate(lines):
        match = re.match(r"([A-Z][A-Z0-9_]*)=", line)
        if match:
            listed[match.group(1)] = lines[number - 1]
    missing = variables_read_anywhere() - set(listed)
    assert not missing, f"read by the code but missing from .env.example: {missing}"
    unexplained = [name for name, previous in listed.items() if not previous.startswith("# ")]
    assert not unexplained


def test_dockerfile_installs_from_the_lock_file_with_uv():
    dockerfile = (PROJECT / "Dockerfile").read_text()
    assert "COPY pyproject.toml uv.lock" in dockerfile
    assert "uv sync --frozen --no-dev" in dockerfile
    assert re.search(r"^USER \w+", dockerfile, re.MULTILINE), "the app must not run as root"
    assert "gunicorn" in dockerfile and "config.wsgi:application" in dockerfile


def test_the_celery_app_loads_from_the_config_package():
    import config

    assert config.celery_app.main == "casetrack"
    assert config.celery_app.conf.task_serializer == "json"
