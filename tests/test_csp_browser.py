"""Chromium enforces the Content-Security-Policy: no public page breaks it, for readers or for
staff."""

import pytest
from pytest_django.live_server_helper import LiveServer

from .helpers import build_search_site, checks_the_page_once

pytestmark = checks_the_page_once()

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture(scope="module")
def live_server():
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


def violations(browser_context, url, status=200):
    page = browser_context.new_page()
    page.add_init_script(WATCH)
    messages = []
    page.on(
        "console",
        lambda message: (
            messages.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto(url)
    page.wait_for_load_state("load")
    assert response.status == status, (url, response.status)
    assert "'unsafe-inline'" not in (
        response.headers.get("content-security-policy") or "'unsafe-inline'"
    )
    found = page.evaluate("window.__violations") + messages
    page.close()
    return found


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_public_pages_break_no_policy_rule(chromium, live_server, django_user_model):
    site = build_search_site()
    urls = [
        "/",
        site.area.url,
        site.s1.url,
        site.brief.url,
        site.supplement.url,
        site.news.url,
        "/search/?q=costing&country=MW",
        "/newsletter/",
        "/countries/ml/",
    ]
    context = chromium.new_context()
    for url in urls:
        assert violations(context, live_server.url + url) == [], url
    assert violations(context, live_server.url + "/no-such-page/", status=404) == []
    context.close()

    django_user_model.objects.create_superuser("staff", "staff@example.org", "a-long-password-123")
    staff = chromium.new_context()
    login = staff.new_page()
    login.goto(live_server.url + "/admin/login/")
    login.fill("#id_username", "staff")
    login.fill("#id_password", "a-long-password-123")
    login.click("button[type=submit]")
    login.wait_for_url("**/admin/")
    for url in ["/", site.s1.url]:
        assert violations(staff, live_server.url + url) == [], f"{url} with the Wagtail user bar"
    staff.close()
