"""A real browser (Debian's Chromium, driven by Playwright) signs up from the footer of a page."""

import os

import pytest
from django.core import mail
from django.db import connections
from pytest_django.live_server_helper import LiveServer

from portal.newsletter.models import Subscriber

from .newsletter_helpers import clear_rate_limits

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="module")
def live_server():
    """pytest-django's, but bound to 127.0.0.1 (not "localhost") and stopped when this module ends."""
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def browser(monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (CI does)")
    playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connection (Django's connections are
        # context-local): close it here, or PostgreSQL refuses to drop the test database at the end.
        connections.close_all()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_footer_signup_in_chromium(browser, live_server, home):
    clear_rate_limits()
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(live_server.url + "/")
    footer = page.locator("footer form.signup")
    footer.get_by_label("Email address", exact=True).fill("browser@example.org")
    footer.locator("input[name=consent]").check()
    footer.get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Check your email"
    assert "browser@example.org" in page.locator("[role=status]").inner_text()
    assert Subscriber.objects.get().source_page == "/"
    assert mail.outbox and mail.outbox[0].to == ["browser@example.org"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_missing_consent_is_explained_in_chromium(browser, live_server, home):
    clear_rate_limits()
    page = browser.new_page()
    page.goto(live_server.url + "/newsletter/")
    page.get_by_label("Email address", exact=True).fill("browser@example.org")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()
    assert "Tick the box" in page.locator(".error-summary").inner_text()
    assert page.get_by_label("Email address", exact=True).input_value() == "browser@example.org", "what was typed stays"
    assert not Subscriber.objects.exists()
