"""In Chromium, no page breaks the Content Security Policy: nothing is blocked, so nothing on
the page needs 'unsafe-inline'. The browser reports each blocked script, style or image as a
securitypolicyviolation event and a console error; both are collected on every page."""

import pytest
from playwright.sync_api import expect

from cases.models import Lawsuit, Settlement
from tests.browser.test_visitor_and_editor import browser_editor, seeded  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LISTEN_FOR_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


def visit(page, url, console) -> list[str]:
    console.clear()
    response = page.goto(url)
    assert response.status < 400, url
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__cspViolations")
    return violations + [text for text in console if "Content Security Policy" in text]


def test_public_and_admin_pages_raise_no_policy_violation(
    live_server,
    seeded,  # noqa: F811
    browser_editor,  # noqa: F811
    page,
):
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(LISTEN_FOR_VIOLATIONS)
    settlement = Settlement.objects.first()
    lawsuit = Lawsuit.objects.first()
    public = [
        "/",
        "/settlements/",
        "/settlements/?year=2021&currency=USD",
        f"/settlements/{settlement.pk}/",
        "/violations/",
        f"/lawsuits/{lawsuit.slug}/",
        "/companies/",
        "/companies/tiktok/",
        "/stats/",
        "/search/?q=TikTok",
    ]
    found = {}
    for path in public:
        found[path] = visit(page, live_server.url + path, console)

    found["/admin/login/"] = visit(page, live_server.url + "/admin/login/", console)
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("editor-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Records")
    for path in (
        "/admin/",
        "/admin/cases/settlement/",
        f"/admin/cases/settlement/{settlement.pk}/change/",
        f"/admin/cases/lawsuit/{lawsuit.pk}/change/",
        "/admin/companies/company/?q=tik",
        f"/admin/cases/settlement/{settlement.pk}/history/",
    ):
        found[path] = visit(page, live_server.url + path, console)

    # The change page's widgets (inlines, date pickers, related-object popups) run from
    # static scripts: use one so that a policy that blocked them would show.
    page.goto(live_server.url + f"/admin/cases/lawsuit/{lawsuit.pk}/change/")
    rows = page.locator("#defendant_links-group tbody tr.form-row:not(.empty-form)")
    before = rows.count()
    page.get_by_role("button", name="Add another Defendant").click()
    expect(rows).to_have_count(before + 1)
    found["inline added"] = page.evaluate("window.__cspViolations")

    assert {path: v for path, v in found.items() if v} == {}
