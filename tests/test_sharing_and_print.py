"""Sharing links without third-party scripts, and a brief printed on A4 in Chromium."""

import io
import os

import pytest
from django.core.management import call_command
from django.db import connections

from briefs.models import PolicyBriefPage

pytestmark = pytest.mark.django_db
CHROMIUM = "/usr/bin/chromium"


def test_content_pages_offer_plain_share_links(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_content", stdout=io.StringIO())
    brief = PolicyBriefPage.objects.get()
    html = client.get(brief.url).content.decode()
    assert "Share this page" in html and "https://wa.me/?text=" in html and "mailto:?subject=" in html
    scripts = [line for line in html.splitlines() if "<script" in line]
    assert all('type="application/ld+json"' in line for line in scripts), "no script but JSON-LD data"
    assert "Share this page" not in client.get("/").content.decode(), "not on the home page"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_brief_prints_cleanly_on_a4(live_server, monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (CI does)")
    playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    call_command("load_demo_content", stdout=io.StringIO())
    url = live_server.url + PolicyBriefPage.objects.get().url
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]  # fmt: skip
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        page = browser.new_page()
        page.goto(url)
        page.emulate_media(media="print")
        hidden = page.evaluate(
            "() => ['.site-header', '.site-footer', '.share', '.breadcrumbs']"
            ".map((s) => document.querySelector(s)).filter(Boolean).map((e) => getComputedStyle(e).display)"
        )
        assert hidden and set(hidden) == {"none"}
        assert page.locator("h1").is_visible()
        pdf = page.pdf(format="A4", print_background=False)
        browser.close()
        connections.close_all()
    assert (
        pdf.startswith(b"%PDF")
        and 1 <= pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page/") <= 2
    )
