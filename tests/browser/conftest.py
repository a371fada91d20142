"""Playwright driving Debian's Chromium against pytest-django's live server.

Needs the chromium package (``apt-get install chromium``); the browser binary is never
downloaded. Screenshots go to tests/browser/screenshots/ (git-ignored).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """One Chromium per module, started after the test database exists.

    Playwright's sync API keeps an event loop running in this thread, so Django's database
    calls here need DJANGO_ALLOW_ASYNC_UNSAFE; it is set only while the browser runs, so
    that it never leaks into other tests (``check --deploy`` refuses it).
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install it with apt-get install chromium")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


def _page_in_new_context(browser, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def page(browser):
    context, page = _page_in_new_context(
        browser, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context, page = _page_in_new_context(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    yield page
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
