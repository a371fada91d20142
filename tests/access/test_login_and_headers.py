"""Brute force is throttled, cookies are secure in production, and every page carries a
Content Security Policy that needs nothing inline."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from cases.models import Lawsuit, Settlement, Violation
from companies.models import Company
from tests.articles.test_review import make_finding

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]
LOGIN = reverse("admin:login")
ATTACKER = "203.0.113.7"


def attempt(client, username, password, address=ATTACKER):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_repeated_wrong_passwords_lock_that_username_from_that_address(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, "editor", "wrong")
        assert response.status_code == 200  # the login form again, with its error
    locked = attempt(client, "editor", "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed logins" in page
    assert f"after {settings.AXES_FAILURE_LIMIT} failed" in page
    # Even the right password is refused while the lock lasts...
    assert attempt(client, "editor", "editor-password-1").status_code == 429
    assert "_auth_user_id" not in client.session
    # ...but only for this username from this address: the editor elsewhere still gets in.
    response = attempt(client, "editor", "editor-password-1", address="198.51.100.2")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_a_successful_login_resets_the_count(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "editor", "wrong")
    assert attempt(client, "editor", "editor-password-1").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "editor", "wrong").status_code == 200
    assert attempt(client, "editor", "editor-password-1").status_code == 302


def test_an_administrator_lifts_a_lock_with_axes_reset(client, editor, settings):
    from django.core.management import call_command

    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "editor", "wrong")
    assert attempt(client, "editor", "editor-password-1").status_code == 429
    call_command("axes_reset_username", "editor")
    assert attempt(client, "editor", "editor-password-1").status_code == 302


INLINE_CODE = [
    re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle=", re.I),
    re.compile(r"\son[a-z]+=", re.I),
    re.compile(r"javascript:", re.I),
]


def public_and_admin_urls():
    settlement = Settlement.objects.first()
    violation = Violation.objects.first()
    lawsuit = Lawsuit.objects.first()
    company = Company.objects.get(slug="tiktok")
    finding = make_finding(company=company)
    public = [
        reverse("cases:home"),
        reverse("cases:settlements"),
        reverse("cases:settlements") + "?year=not-a-year",
        reverse("cases:settlement-detail", args=[settlement.pk]),
        reverse("cases:violations"),
        reverse("cases:violation-detail", args=[violation.pk]),
        reverse("cases:lawsuits"),
        reverse("cases:lawsuit-detail", args=[lawsuit.slug]),
        reverse("cases:authority-detail", args=[lawsuit.authority.slug]),
        reverse("cases:stats"),
        reverse("cases:search") + "?q=tiktok",
        reverse("companies:list"),
        reverse("companies:detail", args=[company.slug]),
        reverse("api:docs"),
        reverse("api:redoc"),
        "/no-such-page/",
    ]
    admin = [
        reverse("admin:index"),
        reverse("admin:cases_settlement_changelist"),
        reverse("admin:cases_settlement_change", args=[settlement.pk]),
        reverse("admin:cases_settlement_add"),
        reverse("admin:cases_lawsuit_change", args=[lawsuit.pk]),
        reverse("admin:companies_company_change", args=[company.pk]),
        reverse("admin:articles_finding_changelist"),
        reverse("admin:articles_finding_change", args=[finding.pk]),
        reverse("admin:cases_settlement_history", args=[settlement.pk]),
    ]
    return public, admin


def assert_strict_policy(response, url):
    policy = response.headers.get("Content-Security-Policy", "")
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives.get("script-src") == ["'self'"], (url, policy)
    # Our own files, plus (on /api/redoc/ only) the nonce and hashes of the styles Redoc
    # builds in the browser: never 'unsafe-inline'.
    style = directives.get("style-src", [])
    assert style[:1] == ["'self'"], (url, policy)
    assert all(source.startswith(("'nonce-", "'sha256-")) for source in style[1:]), (url, policy)
    if url != reverse("api:redoc"):
        assert not any(source.startswith("'sha256-") for source in style), (url, policy)
    assert directives.get("object-src") == ["'none'"], (url, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url


def test_every_page_carries_the_policy_and_has_no_inline_code(client, seed, superuser):
    public, admin = public_and_admin_urls()
    client.get(LOGIN)
    pages = [(url, client.get(url)) for url in [*public, LOGIN]]
    client.force_login(superuser)
    pages += [(url, client.get(url)) for url in admin]
    for url, response in pages:
        assert response.status_code in (200, 400, 404), url
        assert_strict_policy(response, url)
        html = response.content.decode()
        for pattern in INLINE_CODE:
            assert not pattern.search(html), (url, pattern.search(html).group(0))


def test_the_503_page_carries_the_policy_too(client, monkeypatch, seed):
    from django.db import OperationalError

    import cases.views

    def database_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(cases.views, "record_list", database_down)
    response = client.get(reverse("cases:settlements"))
    assert response.status_code == 503
    assert_strict_policy(response, "503")


COOKIE_PROBE = """
import json
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth.models import User
from django.test import Client
from django.conf import settings
# The manifest storage needs collectstatic; cookies and headers do not depend on it.
settings.STORAGES["staticfiles"]["BACKEND"] = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
call_command("migrate", verbosity=0)
User.objects.create_superuser("root", "root@example.org", "root-password-1")
client = Client(HTTP_HOST="casetrack.example.org")
first = client.get("/admin/login/", secure=True)
token = first.cookies["csrftoken"].value
done = client.post("/admin/login/", {"username": "root", "password": "root-password-1",
    "csrfmiddlewaretoken": token, "next": "/admin/"}, secure=True)
plain = Client(HTTP_HOST="casetrack.example.org").get("/admin/login/")
print(json.dumps({
    "login": done.status_code,
    "plain_http": [plain.status_code, plain.get("Location")],
    "hsts": done.get("Strict-Transport-Security"),
    "csp": first.get("Content-Security-Policy"),
    "cookies": {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]),
                       "samesite": c["samesite"]}
                for response in (first, done) for name, c in response.cookies.items()},
}))
"""


def test_production_cookies_are_secure_and_http_redirects_to_https(tmp_path):
    from tests.test_settings import PRODUCTION

    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(
        PRODUCTION,
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    )
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-c", COOKIE_PROBE],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["login"] == 302
    assert probe["plain_http"] == [301, "https://casetrack.example.org/admin/login/"]
    assert probe["hsts"].startswith("max-age=31536000")
    assert "script-src 'self'" in probe["csp"]
    cookies = probe["cookies"]
    assert set(cookies) >= {"csrftoken", "sessionid"}
    for name in ("csrftoken", "sessionid"):
        assert cookies[name]["secure"], name
        assert cookies[name]["samesite"] == "Lax", name
    assert cookies["sessionid"]["httponly"]
