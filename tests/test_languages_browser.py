"""In Chromium: the switcher remembers the reader's language and only offers it later, and
wagtail-localize's segment editor (a React app) runs on Wagtail 8's admin."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from pytest_django.live_server_helper import LiveServer
from wagtail.models import Locale

from .helpers import build_site, checks_the_page_once, translate

pytestmark = checks_the_page_once()


@pytest.fixture(scope="module")
def live_server():
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


def french_site():
    cache.clear()
    s = build_site()
    for name in ("home", "areas", "area", "subarea", "study"):
        setattr(s, f"{name}_fr", translate(getattr(s, name), "fr"))
    return s


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_choice_is_remembered_and_offered_never_forced(chromium, live_server):
    site = french_site()
    context = chromium.new_context()
    page = context.new_page()
    page.goto(live_server.url + site.study.url)
    suggestion = page.locator('[data-suggest-language="fr"]')
    assert suggestion.is_hidden(), "no choice made yet: nothing offered"
    page.click('.language-switcher a[lang="fr"]')
    page.wait_for_url(f"**{site.study_fr.url}")
    assert page.locator("html").get_attribute("lang") == "fr"

    page.goto(live_server.url + site.study.url)  # an English link, followed later
    assert page.url == live_server.url + site.study.url, "not redirected"
    assert page.locator("html").get_attribute("lang") == "en"
    assert suggestion.is_visible(), "the French version is offered"
    assert suggestion.get_attribute("lang") == "fr"
    page.goto(live_server.url + site.news.url)  # no French version: nothing to offer
    assert page.locator("[data-suggest-language]").count() == 0
    context.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_segment_editor_runs_in_the_admin(chromium, live_server, django_user_model):
    site = build_site()
    django_user_model.objects.create_superuser("staff", "staff@example.org", "a-long-password-1")
    context = chromium.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "a-long-password-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    french = Locale.objects.get(language_code="fr")
    page.goto(
        live_server.url + reverse("wagtail_localize:submit_page_translation", args=[site.home.pk])
    )
    locale = page.locator(f'input[name="locales"][value="{french.pk}"]')
    locale.check()
    with page.expect_navigation():
        locale.locator("xpath=ancestor::form").locator("[type=submit]").click()
    home_fr = site.home.get_translation(french)
    page.goto(live_server.url + reverse("wagtailadmin_pages:edit", args=[home_fr.pk]))
    editor = page.locator(".js-translation-editor")  # React renders its tabs and segments
    editor.locator(".w-tabs").first.wait_for(timeout=15000)
    assert editor.get_by_text(site.home.title, exact=True).count() >= 1, "the title segment"
    assert errors == [], errors
    context.close()
