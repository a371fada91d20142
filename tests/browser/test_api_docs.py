"""The API documentation pages (Swagger UI and Redoc) render in Chromium under the site's
strict Content Security Policy: no 'unsafe-inline', nothing blocked, the operations listed."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_content_security_policy import LISTEN_FOR_VIOLATIONS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Redoc's sidebar always shows its maker's logo from the maker's CDN; the policy blocks it,
# as it must (the site loads nothing from another site). Nothing else may be blocked.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def not_the_redoc_logo(line: str) -> bool:
    return REDOC_LOGO not in line


def open_under_strict_policy(page, url) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy + ";", policy
    style = next(part.split()[1:] for part in policy.split(";") if "style-src" in part)
    assert style[0] == "'self'", policy
    assert all(source.startswith(("'nonce-", "'sha256-")) for source in style[1:]), policy
    assert "unsafe-inline" not in policy, policy


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("/api/docs/", "#operations-settlements-settlements_list"),
        ("/api/redoc/", "[data-section-id='tag/settlements/operation/settlements_list']"),
    ],
    ids=["swagger-ui", "redoc"],
)
def test_the_docs_render_with_no_policy_violation(live_server, page, path, operation):
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.add_init_script(LISTEN_FOR_VIOLATIONS)

    open_under_strict_policy(page, live_server.url + path)

    # The schema was fetched and rendered: the settlements list operation is on the page.
    section = page.locator(operation).first
    expect(section).to_be_visible(timeout=30_000)
    expect(section.get_by_text("List published settlements").first).to_be_visible()
    violations = list(filter(not_the_redoc_logo, page.evaluate("window.__cspViolations")))
    blocked = [line for line in console if "Content Security Policy" in line]
    assert violations == [] and list(filter(not_the_redoc_logo, blocked)) == [], console
