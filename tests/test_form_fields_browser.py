"""Form fields look alike in Chromium: a select is drawn like the text fields around it."""

import pytest
from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LOOKS = """(selector) => { const e = document.querySelector(selector), s = getComputedStyle(e);
  return {font: `${s.fontSize} ${s.fontFamily} ${s.fontWeight}`, padding: s.padding,
          border: s.border, radius: s.borderRadius, background: s.backgroundColor,
          height: Math.round(e.getBoundingClientRect().height)}; }"""


@pytest.fixture
def live_server():
    """pytest-django's, bound to 127.0.0.1 and stopped with the test."""
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("path", "select", "text_field"),
    [
        ("/", "footer select[name=country]", "footer input[name=organization]"),
        ("/search/", "#search-sort", "#search-text"),
    ],
)
def test_a_select_looks_like_the_text_fields(chromium, live_server, home, path, select, text_field):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    response = page.goto(live_server.url + path)
    assert response.status == 200
    looks = {selector: page.evaluate(LOOKS, selector) for selector in (select, text_field)}
    assert looks[select] == looks[text_field], looks
    page.close()
