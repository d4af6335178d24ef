"""A real browser (Debian's Chromium, driven by Playwright) signs up from the footer of a page."""

import pytest
from django.core import mail
from pytest_django.live_server_helper import LiveServer

from portal.newsletter.models import Subscriber

from .helpers import clear_rate_limits


@pytest.fixture(scope="module")
def live_server():
    """pytest-django's, but bound to 127.0.0.1 (not "localhost") and stopped when this module
    ends."""
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_footer_signup_in_chromium(chromium, live_server, home):
    clear_rate_limits()
    page = chromium.new_page(viewport={"width": 360, "height": 740})
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
def test_a_missing_consent_is_explained_in_chromium(chromium, live_server, home):
    clear_rate_limits()
    page = chromium.new_page()
    page.goto(live_server.url + "/newsletter/")
    page.get_by_label("Email address", exact=True).fill("browser@example.org")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()
    assert "Tick the box" in page.locator(".error-summary").inner_text()
    assert page.get_by_label("Email address", exact=True).input_value() == "browser@example.org", (
        "what was typed stays"
    )
    assert not Subscriber.objects.exists()
