"""gunicorn.conf.py: what the Dockerfile, docker-compose.yml and the benchmark serve with."""

import http.client
import importlib
import json
import os
import runpy
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from gunicorn.workers.gthread import ThreadWorker

from bench.ports import free_ports

PROJECT = Path(__file__).resolve().parent.parent
CONFIG = PROJECT / "gunicorn.conf.py"


def settings_with(monkeypatch, **environment) -> dict:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_threaded_workers_with_keep_alive_and_one_request_thread(monkeypatch):
    monkeypatch.delenv("WEB_WORKERS", raising=False)
    settings = settings_with(monkeypatch)
    module, name = settings["worker_class"].rsplit(".", 1)
    assert issubclass(getattr(importlib.import_module(module), name), ThreadWorker)
    assert settings["threads"] == 1
    assert settings["keepalive"] > 0
    assert settings["workers"] == 2 * os.cpu_count() + 1


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("", 2 * os.cpu_count() + 1)])
def test_web_workers_sets_the_workers_and_empty_means_the_default(monkeypatch, value, expected):
    # docker-compose.yml passes WEB_WORKERS through even when .env leaves it empty.
    assert settings_with(monkeypatch, WEB_WORKERS=value)["workers"] == expected


@pytest.mark.parametrize("value", ["three", "0", "-2", "2.5"])
def test_a_web_workers_that_is_not_a_worker_count_is_refused_by_name(monkeypatch, value):
    with pytest.raises(ValueError, match=f"WEB_WORKERS must be .*{value!r}"):
        settings_with(monkeypatch, WEB_WORKERS=value)


def test_the_image_and_compose_serve_with_the_config_file():
    dockerfile = (PROJECT / "Dockerfile").read_text()
    command = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    arguments = json.loads(command.removeprefix("CMD "))
    assert arguments[arguments.index("--config") + 1] == "gunicorn.conf.py"
    assert "--workers" not in arguments, "the worker count belongs to gunicorn.conf.py"
    web = yaml.safe_load((PROJECT / "docker-compose.yml").read_text())["services"]["web"]
    assert "gunicorn config.wsgi:application --config gunicorn.conf.py" in web["command"]
    assert "--workers" not in web["command"]


def test_a_client_sends_its_next_request_on_the_same_connection(tmp_path):
    """Sync workers answered every request with ``Connection: close``."""
    port = free_ports(1)[0]
    static_root = tmp_path / "static"
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "0",
        "SECRET_KEY": "a-test-key-that-is-long-enough-for-the-production-checks-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(static_root),
        "WEB_WORKERS": "",  # as docker-compose.yml passes it when .env leaves it empty
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=PROJECT,
        env=environment,
        check=True,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--config", str(CONFIG),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=PROJECT,
        env=environment,
    )  # fmt: skip
    try:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        deadline = time.monotonic() + 60
        while True:
            try:
                client.connect()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        first_socket = client.sock
        for _ in range(3):
            client.request("GET", "/static/css/site.css")
            response = client.getresponse()
            response.read()
            assert response.status == 200
            assert response.getheader("Connection", "").lower() != "close"
            assert client.sock is first_socket, "the server closed the connection"
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
