"""A real browser for the browser tests: Playwright's sync API driving Debian's Chromium.

The browser runs against pytest-django's ``live_server`` (a real HTTP server in a thread of
this process, on a transactional test database). Chromium missing, or refusing to start, skips
the tests (or fails them under REQUIRE_SERVICES=1, see tests/services.py).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import services

# Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests
# make between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Table cells narrower than this (px) while holding several characters of text and taller
# than a few lines: a column squeezed to one character per line.
SQUEEZED = """() => Array.from(document.querySelectorAll('td, th')).filter(c => {
  const r = c.getBoundingClientRect();
  return r.width > 0 && r.width < 48 && r.height > 90 && c.innerText.trim().length > 4;
}).map(c => c.innerText.trim().slice(0, 20))"""


def assert_fits(page, width: int) -> None:
    """The page scrolls no wider than ``width`` and squeezes no column to a character a line."""
    page.wait_for_load_state("load")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, (page.url, overflow)
    assert page.evaluate(SQUEEZED) == [], page.url


@pytest.fixture(scope="session")
def browser() -> Iterator:
    path = services.chromium_path()
    if path is None:
        services.missing(f"Chromium not found at {services.CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        services.missing("playwright is not installed")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=path, headless=True, args=CHROMIUM_ARGS
            )
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no browser"
            services.missing(f"Chromium at {path} did not start: {exc}")
        yield browser
        browser.close()


def live_server_settle(timeout: float = 15.0) -> None:
    """Wait, with a deadline, until no other connection to the test database is inside a
    statement or a transaction (PostgreSQL).

    The live server answers in threads of its own. A request the browser sent just before its
    page closed (a lesson page sends its last study seconds when it is hidden) may still be
    running when the test database is flushed, and the flush's TRUNCATE and that request then
    wait for each other's table locks: a deadlock. Two quiet looks in a row, 0.1 s apart.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                "AND state <> 'idle'")
            busy = cursor.fetchone()[0]
        quiet = quiet + 1 if busy == 0 else 0
        time.sleep(0.1)


@pytest.fixture
def context(browser, request) -> Iterator:
    """A fresh browser profile whose preferred language is Chinese, like the bureau's."""
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP, timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    yield context
    # Nothing leaves the browser once the test is over; what it sent before must finish
    # before the database is emptied.
    context.set_offline(True)
    context.close()
    if "live_server" in request.fixturenames:
        live_server_settle()


@pytest.fixture
def page(context) -> Iterator:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text)
        if msg.type == "error" and "Content Security Policy" in msg.text
        else None,
    )
    page.js_errors = errors  # type: ignore[attr-defined]
    yield page
    page.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` saves var/screenshots/name.png (full page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def fresh_totp_code(secret: str) -> str:
    """The current code; waits for the next period when this one is about to expire."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def click_menu_item(page, href: str) -> None:
    """Follow the main menu's link to ``href``, opening its drop-down first if it is in one,
    and return once the page it leads to has loaded (a click returns before the navigation
    ends, and a locator counted then counts the old page, or nothing)."""
    from urllib.parse import urlsplit

    link = page.locator(f"#mainnav a[href='{href}']")
    dropdown = page.locator("#mainnav .dropdown", has=page.locator(f"a[href='{href}']"))
    if dropdown.count():
        dropdown.locator(".dropdown-toggle").click()
    link.click()
    page.wait_for_url(lambda url: urlsplit(url).path == href)


def log_in(page, base_url: str, email: str) -> None:
    """Log ``email`` in through the login page with the factories' password (no second
    factor) and wait for the home page."""
    import re

    from tests.factories import PASSWORD

    page.goto(base_url + "/accounts/login/")
    page.fill("input[name='login']", email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("form.academy-form button[type='submit']").click()
    page.wait_for_url(re.compile(r"^" + re.escape(base_url) + r"/$"))


def show_chart_table(page, chart: str) -> None:
    """Switch a dashboard figure (``chart-funnel``, …) from its chart to its table, where the
    page drew a chart (ECharts installed); the table is what the tests read and click."""
    figure = page.locator(f"figure[data-chart='{chart}']")
    toggle = figure.locator("[data-chart-toggle]")
    if toggle.is_visible():
        toggle.click()
    figure.locator("[data-chart-table]").wait_for(state="visible")
