"""In Chromium: the search box's suggestions are a WAI-ARIA combobox that works by keyboard
and passes axe-core, under the site's CSP (the script is the site's own, not inline)."""

import time

import pytest
from pytest_django.live_server_helper import LiveServer

from search import indexing
from search.models import SearchQuery

from .factories import FindingsPageFactory, PublicationIndexPageFactory
from .helpers import checks_the_page_once, fresh_home
from .test_accessibility import AXE_RUN, AXE_TAGS, axe_source, describe  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    checks_the_page_once(),
]


@pytest.fixture(scope="module")
def live_server():
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def site():
    home = fresh_home()
    index = PublicationIndexPageFactory(parent=home)
    FindingsPageFactory(
        parent=index,
        title="Routine immunisation",
        summary="<p>Vaccination reaches children in remote villages.</p>",
    )
    FindingsPageFactory(parent=index, title="Vaccines in the cold chain", summary="<p>Storage.</p>")
    indexing.rebuild_store()


def open_search(chromium, live_server, **options):
    context = chromium.new_context(**options)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(live_server.url + "/search/")
    return page, errors


def test_the_combobox_works_by_keyboard(chromium, live_server, site):
    page, errors = open_search(chromium, live_server)
    box = page.locator("#search-text")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("vacc", delay=30)
    listbox = page.locator("#search-text-suggestions")
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "search-text-suggestions"
    options = listbox.locator("[role=option]")
    labels = options.all_inner_texts()
    assert labels[0] == "vaccination", labels
    assert any(label.startswith("Vaccines in the cold chain") for label in labels), labels
    assert (
        page.locator(".search__field--suggest [role=status]")
        .inner_text()
        .startswith(f"{len(labels)} suggestions")
    )

    box.press("ArrowDown")
    first = options.nth(0)
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    assert first.get_attribute("aria-selected") == "false"
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    box.press("Escape")
    assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "vacc", "Escape closes the list and keeps what was typed"

    box.press("ArrowDown")  # opens the list again, on its first option
    assert listbox.is_visible()
    with page.expect_navigation():
        box.press("Enter")
    assert "/search/?q=vaccination&" in page.url
    assert page.locator(".hits").inner_text().count("Routine immunisation") == 1
    assert errors == [], errors  # the site's CSP let the script run, and it raised nothing
    page.context.close()


def test_enter_without_choosing_submits_what_was_typed(chromium, live_server, site):
    page, errors = open_search(chromium, live_server)
    box = page.locator("#search-text")
    box.press_sequentially("vacc", delay=30)
    page.locator("#search-text-suggestions").wait_for(state="visible")
    with page.expect_navigation():
        box.press("Enter")
    assert "q=vacc&" in page.url
    assert errors == [], errors
    page.context.close()


def test_the_open_combobox_passes_axe(chromium, live_server, site, axe_source):  # noqa: F811
    violations = {}
    for width in (320, 1280):
        page, _ = open_search(
            chromium, live_server, viewport={"width": width, "height": 800}, bypass_csp=True
        )
        box = page.locator("#search-text")
        box.press_sequentially("vacc", delay=30)
        page.locator("#search-text-suggestions").wait_for(state="visible")
        box.press("ArrowDown")
        page.add_script_tag(content=axe_source)
        if found := page.evaluate(AXE_RUN, AXE_TAGS):
            violations[f"search with suggestions open at {width} px"] = found
        page.context.close()
    assert not violations, f"axe-core violations:\n{describe(violations)}"


def test_opening_a_result_of_a_submitted_search_counts_one_click(chromium, live_server, site):
    page, errors = open_search(chromium, live_server)
    box = page.locator("#search-text")
    box.fill("vaccination")
    with page.expect_navigation():
        box.press("Enter")
    assert "s=1" in page.url
    row = SearchQuery.objects.get()
    assert (row.query, row.clicked) == ("vaccination", False)
    with page.expect_navigation():
        page.locator(".hits .hit__title a").first.click()
    for _ in range(50):  # the beacon is sent as the page unloads
        if SearchQuery.objects.filter(clicked=True).exists():
            break
        time.sleep(0.1)
    assert SearchQuery.objects.get().clicked is True
    assert errors == [], errors
    page.context.close()
