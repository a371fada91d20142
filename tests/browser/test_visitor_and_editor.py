"""End to end in Chromium: a visitor finds TikTok's settlement; an editor changes one."""

import csv
import importlib
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from playwright.sync_api import expect

from cases.models import Settlement
from cases.seed import load_seed

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

_editors_migration = importlib.import_module("cases.migrations.0002_editors_group")
EDITORS_GROUP = _editors_migration.EDITORS_GROUP
EDITOR_PERMISSIONS = _editors_migration.EDITOR_PERMISSIONS


@pytest.fixture
def seeded(transactional_db):
    load_seed()


@pytest.fixture
def browser_editor(transactional_db) -> User:
    """An editor; the Editors group is rebuilt here because a transactional test's flush
    removes what the data migration created."""
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    for app_label, models in EDITOR_PERMISSIONS.items():
        for model, actions in models.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )
    user = User.objects.create_user("editor", "editor@example.org", "editor-password-1")
    user.is_staff = True
    user.save()
    user.groups.add(group)
    return user


def test_visitor_searches_opens_company_filters_and_downloads_csv(
    live_server, seeded, page, screenshot
):
    external = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else external.append(request.url)
        ),
    )
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("What companies have paid")
    screenshot(page, "home")

    page.get_by_label("Search for a company, case, law or authority").fill("TikTok")
    page.get_by_role("button", name="Search").last.click()
    expect(page).to_have_url(re.compile(r"/search/\?q=TikTok$"))
    page.get_by_role("link", name="TikTok", exact=True).first.click()

    expect(page).to_have_url(live_server.url + "/companies/tiktok/")
    expect(page.get_by_role("heading", level=1)).to_have_text("TikTok")
    expect(page.get_by_role("img", name=re.compile("per year"))).to_be_visible()
    screenshot(page, "company")

    page.get_by_role("link", name="All in the settlements list →").click()
    expect(page).to_have_url(re.compile(r"/settlements/\?company=tiktok$"))
    page.get_by_label("Year", exact=True).fill("2021")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/settlements/\?.*year=2021"))
    expect(page.locator("table.records")).to_contain_text("$92,000,000")
    expect(page.locator(".totals")).to_contain_text("1 settlement matches these filters")
    screenshot(page, "settlements-list")

    # Every state is a URL: back drops the year, forward brings it back into the form.
    page.go_back()
    expect(page.get_by_label("Year", exact=True)).to_have_value("")
    page.go_forward()
    expect(page.get_by_label("Year", exact=True)).to_have_value("2021")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "settlements.csv"
    with open(download.path(), encoding="utf-8") as exported:
        rows = list(csv.DictReader(exported))
    assert [(row["amount"], row["currency"], row["announced_on"]) for row in rows] == [
        ("92000000.00", "USD", "2021-02")
    ]
    assert external == []


def test_bad_input_shows_messages_at_the_fields(live_server, seeded, page):
    page.goto(live_server.url + "/settlements/?year=abc&company=no-such-company")
    expect(page.get_by_role("alert").first).to_contain_text("2 filters could not be used")
    expect(page.get_by_label("Year", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error").first).to_contain_text("no-such-company")


PHONE_PAGES = [
    ("/", "home-phone"),
    ("/violations/?company=tiktok", "violations-phone"),
    ("/settlements/?year=abc&amount_min=-5", "errors-phone"),
    ("/companies/", "companies-phone"),
    ("/companies/bytedance/", "company-phone"),
    ("/lawsuits/in-re-tiktok-consumer-privacy-litigation/", "lawsuit-phone"),
    ("/stats/", "stats-phone"),
    ("/search/?q=TikTok", "search-phone"),
]


def test_no_page_scrolls_sideways_on_a_phone(live_server, seeded, phone, screenshot):
    for path, name in PHONE_PAGES:
        phone.goto(live_server.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        screenshot(phone, name)
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
    phone.goto(live_server.url + "/violations/?company=tiktok")
    expect(phone.locator("table.records")).to_contain_text("$5,700,000")


def test_editor_changes_an_amount_and_the_public_page_shows_it(
    live_server, seeded, browser_editor, page
):
    settlement = Settlement.objects.get()
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("editor-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + "/admin/")

    page.goto(f"{live_server.url}/admin/cases/settlement/{settlement.pk}/change/")
    page.locator("#id_amount").fill("95000000")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(live_server.url + settlement.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text("$95,000,000")
    page.goto(live_server.url + "/settlements/?company=tiktok&year=2021")
    expect(page.locator("table.records")).to_contain_text("$95,000,000")
    expect(page.locator("table.records")).not_to_contain_text("$92,000,000")
