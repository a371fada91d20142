"""In Chromium, hostile text imported through the real ways in (tests/trust/hostile_records)
runs nothing: no dialog opens, no element it describes exists, and the policy blocks no
inline script (which is what an injected one would show as), on the main public pages and
the admin pages that show it."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_content_security_policy import LISTEN_FOR_VIOLATIONS
from tests.trust.hostile_records import import_hostile_records
from tests.trust.test_escaping import public_pages

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FIND_INJECTED = """() => [
  ...document.querySelectorAll('#injected, img[src="x"], svg[onload]'),
  ...[...document.querySelectorAll("*")].filter(
    (element) => [...element.attributes].some((attribute) => attribute.name.startsWith("on"))
  ),
].map((element) => element.outerHTML.slice(0, 200))"""


@pytest.fixture
def hostile_records(superuser_client, settings, django_capture_on_commit_callbacks):
    return import_hostile_records(superuser_client, settings, django_capture_on_commit_callbacks)


def test_hostile_text_runs_nothing_in_a_browser(live_server, hostile_records, page):
    dialogs, console = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(LISTEN_FOR_VIOLATIONS)
    records = hostile_records
    found = {}

    def visit(path):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("load")
        # The text is on the page, as text.
        expect(page.locator("body")).to_contain_text("onerror=alert(")
        found[path] = page.evaluate(FIND_INJECTED) + page.evaluate("window.__cspViolations")

    for path in public_pages(records):
        visit(path)
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("root-password-1")
    page.get_by_role("button", name="Log in").click()
    for path in (
        "/admin/articles/finding/?status=all",
        f"/admin/articles/finding/{records.finding_id}/change/",
        "/admin/companies/company/?q=Evilcorp",
        f"/admin/cases/settlement/{records.settlement_id}/change/",
        f"/admin/cases/violation/{records.violation_id}/change/",
        f"/admin/cases/violation/{records.violation_id}/history/",
        f"/admin/articles/feed/{records.feed_id}/change/",
    ):
        visit(path)

    assert dialogs == []
    assert {path: items for path, items in found.items() if items} == {}
    assert [line for line in console if "Content Security Policy" in line] == []
