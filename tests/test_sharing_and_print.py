"""Sharing links without third-party scripts, and a brief printed on A4 in Chromium."""

import io
import re

import pytest
from django.core.management import call_command

from briefs.models import PolicyBriefPage

from .helpers import checks_the_page_once

pytestmark = [pytest.mark.django_db, checks_the_page_once()]


def test_content_pages_offer_plain_share_links(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        # The English demo (test_demo_translations.py covers French and Portuguese).
        call_command("load_demo_content", stdout=io.StringIO(), no_translations=True)
    brief = PolicyBriefPage.objects.get()
    html = client.get(brief.url).content.decode()
    assert (
        "Share this page" in html and "https://wa.me/?text=" in html and "mailto:?subject=" in html
    )
    scripts = [line.strip() for line in html.splitlines() if "<script" in line]
    language = '<script src="/static/portal/js/language.js" defer></script>'
    assert all('type="application/ld+json"' in line or line == language for line in scripts), (
        "no script but JSON-LD data and the deferred language-choice script (sharing needs none)"
    )
    assert "Share this page" not in client.get("/").content.decode(), "not on the home page"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_brief_prints_cleanly_on_a4(live_server, chromium):
    call_command("load_demo_content", stdout=io.StringIO(), no_translations=True)
    url = live_server.url + PolicyBriefPage.objects.get().url
    page = chromium.new_page()
    page.goto(url)
    page.emulate_media(media="print")
    hidden = page.evaluate(
        "() => ['.site-header', '.site-footer', '.share', '.breadcrumbs'].map((s) => "
        "document.querySelector(s)).filter(Boolean).map((e) => getComputedStyle(e).display)"
    )
    assert hidden and set(hidden) == {"none"}
    assert page.locator("h1").is_visible()
    pdf = page.pdf(format="A4", print_background=False)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and 1 <= pages <= 2, f"{pages} A4 pages"
