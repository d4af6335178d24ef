"""Accessibility, layout, images, privacy and weight of every public page type, on the demo content,
in Chromium.

axe-core comes from node_modules (`npm ci` installs the pinned version from package-lock.json).
Timings on an emulated slow 3G link are printed (run with -s), never asserted: timing targets
belong in benchmarks.
"""

import gzip
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from pytest_django.live_server_helper import LiveServer
from wagtail.images import get_image_model
from wagtail.models import Page

from briefs.models import (
    JournalSupplementPage,
    NewsIndexPage,
    PolicyBriefIndexPage,
    PolicyBriefPage,
)
from portal.models import HomePage
from research.models import CollaborativeEffortsPage, FindingsPage, PublicationIndexPage, StudyPage

from .factories import NewsPageFactory, StandardPageFactory, SupplementArticleFactory
from .helpers import checks_the_page_once, clear_rate_limits, load_translated_demo

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    checks_the_page_once(),
]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
WIDTHS = (320, 1280)
MAX_COMPRESSED = 60 * 1024  # HTML + CSS + JS of a page, each gzip-compressed at level 6
ICCM = "/research-areas/community-care-strategies/integrated-community-case-management/"


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_server():
    """pytest-django's, but bound to 127.0.0.1 (not "localhost") and shared by this module's
    tests."""
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def browser(chromium):
    """The conftest's Chromium, one per test: a module-wide Playwright loop would outlive each
    test's database context, and transactional tests after it would find their data gone."""
    return chromium


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        pytest.fail(
            f"{AXE.relative_to(settings.BASE_DIR)} is missing: run `npm ci` in {settings.BASE_DIR} "
            "(package-lock.json pins axe-core)"
        )
    return AXE.read_text()


@pytest.fixture
def demo():
    """The demo content, plus what it lacks: a standard page with a figure, a news update with a
    photo, an article."""
    # The English demo (test_demo_translations.py covers French and Portuguese).
    call_command("load_demo_content", stdout=io.StringIO(), no_translations=True)
    clear_rate_limits()
    home = HomePage.objects.get()
    photo = get_image_model().objects.order_by("pk").first()
    standard = StandardPageFactory(
        parent=home,
        title="About the programme",
        slug="about",
        body=json.dumps(
            [
                {"type": "heading", "value": {"text": "Who we are", "level": "h2"}},
                {
                    "type": "paragraph",
                    "value": "<p>Implementation research on community case management.</p>",
                },
                {"type": "figure", "value": {"image": photo.pk, "caption": "", "credit": ""}},
            ]
        ),
    )
    news = NewsPageFactory(
        parent=NewsIndexPage.objects.get(), title="Supplement published", hero_image=photo
    )
    supplement = JournalSupplementPage.objects.get()
    article = SupplementArticleFactory(
        page=supplement,
        title="Costing community case management",
        abstract="What iCCM costs in three countries.",
        doi="10.1093/heapol/czu0123456789test",  # a long DOI link must wrap on a 320 px screen
    )
    return {
        "home": "/",
        "research area index": "/research-areas/",
        "research area": ICCM,
        "study": StudyPage.objects.get(slug="costing-of-iccm").url,
        "collaborative efforts": CollaborativeEffortsPage.objects.get().url,
        "publications listing": PublicationIndexPage.objects.get().url,
        "findings": FindingsPage.objects.order_by("path").first().url,
        "supplement": supplement.url,
        "supplement article": f"{supplement.url}articles/{article.pk}/",
        "briefs listing": PolicyBriefIndexPage.objects.get().url,
        "policy brief": PolicyBriefPage.objects.get().url,
        "news listing": NewsIndexPage.objects.get().url,
        "news": Page.objects.get(pk=news.pk).url,
        "standard page": Page.objects.get(pk=standard.pk).url,
        "search": "/search/",
        "search q=costing": "/search/?q=costing",
        "search country=ML": "/search/?country=ML",
        "countries index": "/countries/",
        "country page": "/countries/ml/",
        "newsletter": "/newsletter/",
        "email me new results": "/search/alerts/?country=ML&type=study",
        "404 page": "/no-such-page/",
    }


def new_page(browser, width, height=800, **options):
    """A page in a fresh context that records every URL it requests (`page.requested`)."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    return page


def visit(page, url, status=200):
    response = page.goto(url)
    assert response.status == status, f"{url} answered {response.status}"
    return response


def pages(page, live_server, demo):
    """Visit every page of `demo`, then the newsletter form submitted empty; yield each name once it
    is shown."""
    for name, path in demo.items():
        visit(page, live_server.url + path, status=404 if name == "404 page" else 200)
        yield name
    visit(page, live_server.url + "/newsletter/")
    page.locator("main form.signup").get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()
    assert page.locator("main .error-summary").is_visible(), (
        "the empty form comes back with its errors"
    )
    yield "newsletter with errors"


def assert_stayed_local(page, live_server):
    """No request left 127.0.0.1: every URL the page asked for is the live server's (or inline
    data)."""
    outside = sorted(
        {url for url in page.requested if not url.startswith((live_server.url + "/", "data:"))}
    )
    assert not outside, f"requests to other hosts: {outside}"
    assert page.requested


# --- axe-core -------------------------------------------------------------------------------------

AXE_RUN = """async (tags) => {
  const result = await axe.run(document,
    {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary}))}));
}"""


def describe(violations):
    lines = []
    for where, found in violations.items():
        for violation in found:
            lines.append(f"{where}: {violation['id']} ({violation['impact']}) {violation['help']}")
            lines += [f"    {node['target']}: {node['summary']}" for node in violation["nodes"]]
    return "\n".join(lines)


def test_axe_finds_no_violations(browser, live_server, axe_source, demo):
    violations, checked = {}, 0
    for width in WIDTHS:
        # The site's CSP rightly refuses the injected axe script
        page = new_page(browser, width, bypass_csp=True)
        for name in pages(page, live_server, demo):
            page.add_script_tag(content=axe_source)
            checked += 1
            if found := page.evaluate(AXE_RUN, AXE_TAGS):
                violations[f"{name} at {width} px"] = found
        assert_stayed_local(page, live_server)
        page.context.close()
    print(
        f"\naxe-core {AXE_TAGS}: {checked} pages, {sum(map(len, violations.values()))} violations"
    )
    assert not violations, f"axe-core violations:\n{describe(violations)}"


# --- layout and privacy ---------------------------------------------------------------------------

LOAD_IMAGES = """async () => {
  const images = [...document.querySelectorAll("img")];
  for (const img of images) {
    img.scrollIntoView();
    if (!img.complete) {
      await new Promise((done) => { img.addEventListener("load", done, {once: true});
                                    img.addEventListener("error", done, {once: true}); });
    }
  }
  window.scrollTo(0, 0);
}"""

WIDER_THAN_VIEWPORT = """() => {
  const right = (e) => e.getBoundingClientRect().right;
  const edge = document.documentElement.clientWidth + 0.5;
  return [...document.querySelectorAll("body *")].filter((e) => right(e) > edge)
    .filter((e) => ![...e.children].some((child) => right(child) > edge)).slice(0, 5)
    .map((e) => `${e.tagName.toLowerCase()}${e.className ? "." + e.className : ""}`
      + ` right=${Math.round(right(e))}`);
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_no_overflow_and_no_request_leaves_127_0_0_1(browser, live_server, demo, width):
    """Every page, with its lazy images loaded: no horizontal scrolling at 320 px, and nothing asked
    of another host."""
    page = new_page(browser, width)
    overflowing = {}
    for name in pages(page, live_server, demo):
        page.evaluate(LOAD_IMAGES)
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        if scroll_width > width:
            overflowing[name] = f"scrollWidth {scroll_width}: {page.evaluate(WIDER_THAN_VIEWPORT)}"
    assert not overflowing, f"wider than {width} px:\n" + "\n".join(
        f"{k}: {v}" for k, v in overflowing.items()
    )
    assert_stayed_local(page, live_server)


# --- images ---------------------------------------------------------------------------------------

# naturalWidth of an <img> with a srcset is divided by the chosen candidate's density: load the file
# alone.
IMAGES = """async () => Promise.all([...document.querySelectorAll("main img")].map(async (img) => {
  const file = new Image();
  file.src = img.currentSrc;
  await file.decode().catch(() => null);
  return {src: img.currentSrc, srcset: img.getAttribute("srcset") || "", file: file.naturalWidth,
          css: img.getBoundingClientRect().width, dpr: window.devicePixelRatio};
}))"""


def test_images_are_webp_renditions_at_the_displayed_size(browser, live_server, demo):
    seen = 0
    for width in WIDTHS:
        for name in ("study", "research area", "news", "standard page"):
            # A context per page: Chromium shows a larger rendition it already holds (the
            # study's hero) rather than fetch the smaller one, which would hide what this
            # page itself asks for.
            page = new_page(browser, width)
            visit(page, live_server.url + demo[name])
            page.evaluate(LOAD_IMAGES)
            images = page.evaluate(IMAGES)
            assert images, f"{name} shows an image"
            for image in images:
                seen += 1
                where = f"{name} at {width} px: {image['src']}"
                assert image["srcset"].count(" 360w") == 1, f"{where} has a srcset"
                assert image["file"] > 0, f"{where} loaded"
                content_type = page.request.get(image["src"]).headers["content-type"]
                assert content_type == "image/webp", f"{where} is {content_type}"
                shown = image["css"] * image["dpr"]
                assert image["file"] <= 2 * shown, (
                    f"{where}: a {image['file']} px rendition shown at {shown:.0f} px"
                )
                print(f"{where}: {image['file']} px rendition shown at {shown:.0f} px")
            assert_stayed_local(page, live_server)
            page.context.close()
    assert seen == 12, "a hero, three study cards, a news photo and a figure at each width"


# --- page weight ----------------------------------------------------------------------------------


def gzipped(content):
    return len(gzip.compress(content, compresslevel=6))


def weigh(client, named_paths):
    """(a figure line per page, the pages over budget): HTML + CSS + JS, each gzip -6."""
    figures, heavy = [], []
    for name, path in named_paths.items():
        response = client.get(path)
        assert response.status_code == (404 if name == "404 page" else 200), path
        html = response.content
        if name.startswith(("search ", "country page")):
            assert b'class="hits"' in html, f"{name} lists results (the demo is indexed)"
        assets = re.findall(
            rb'<link rel="stylesheet" href="([^"]+)"|<script[^>]* src="([^"]+)"', html
        )
        urls = [(css or js).decode() for css, js in assets]
        assert urls and all(url.startswith(settings.STATIC_URL) for url in urls), (
            f"{name} loads only its own assets"
        )
        files = [
            Path(finders.find(url.removeprefix(settings.STATIC_URL))).read_bytes() for url in urls
        ]
        total = gzipped(html) + sum(map(gzipped, files))
        figures.append(
            f"{name:22} HTML {len(html) / 1024:5.1f} KB + {len(files)} asset(s) "
            f"{sum(map(len, files)) / 1024:4.1f} KB"
            f" = {total / 1024:4.1f} KB compressed"
        )
        if total >= MAX_COMPRESSED:
            heavy.append(f"{name}: {total / 1024:.1f} KB")
    return figures, heavy


def test_every_page_type_weighs_under_60_kb_compressed(client, demo):
    figures, heavy = weigh(client, demo)
    print("\nHTML + CSS + JS, each file gzip -6:\n" + "\n".join(figures))
    assert not heavy, f"over {MAX_COMPRESSED // 1024} KB compressed: {heavy}"


# --- French and Portuguese ------------------------------------------------------------------------


@pytest.fixture
def translated_demo():
    return load_translated_demo()


def test_french_and_portuguese_pages_pass_axe(browser, live_server, axe_source, translated_demo):
    violations = {}
    page = new_page(browser, 360, bypass_csp=True)
    for name, path in translated_demo.items():
        visit(page, live_server.url + path)
        page.add_script_tag(content=axe_source)
        if found := page.evaluate(AXE_RUN, AXE_TAGS):
            violations[f"{name} at 360 px"] = found
    assert_stayed_local(page, live_server)
    page.context.close()
    print(f"\naxe-core {AXE_TAGS}: {len(translated_demo)} French and Portuguese pages")
    assert not violations, f"axe-core violations:\n{describe(violations)}"


def test_french_and_portuguese_pages_weigh_under_60_kb_compressed(client, translated_demo):
    figures, heavy = weigh(client, translated_demo)
    print("\nHTML + CSS + JS, each file gzip -6:\n" + "\n".join(figures))
    assert not heavy, f"over {MAX_COMPRESSED // 1024} KB compressed: {heavy}"


# --- slow 3G --------------------------------------------------------------------------------------

SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}

SHOWN = """(selector) => [...document.querySelectorAll(selector)]
  .filter((e) => e.innerText.trim()).slice(0, 1)
  .map((e) => { const box = e.getBoundingClientRect(), style = getComputedStyle(e);
                return box.width > 0 && box.height > 0 && box.top < innerHeight
                       && style.visibility !== "hidden" && style.display !== "none"
                       && style.opacity !== "0"; })[0] || false"""

RENDER_BLOCKING = """() => [
  ...performance.getEntriesByType("resource")
    .filter((e) => e.renderBlockingStatus === "blocking").map((e) => e.name),
  ...[...document.querySelectorAll(
    'link[rel~="stylesheet"], head script[src]:not([async]):not([defer])')]
    .map((e) => e.href || e.src),
  ...[...document.styleSheets].flatMap((s) => [...s.cssRules])
    .filter((r) => r instanceof CSSImportRule).map((r) => r.href),
]"""

TIMINGS = """async () => {
  const fcp = await new Promise((found) => {
    new PerformanceObserver((list) => list.getEntries().forEach(
      (e) => e.name === "first-contentful-paint" && found(e.startTime)))
      .observe({type: "paint", buffered: true});
    setTimeout(() => found(null), 2000);
  });
  const nav = performance.getEntriesByType("navigation")[0];
  return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventStart, fcp};
}"""


def test_slow_3g_shows_heading_and_text_at_domcontentloaded(browser, live_server, demo):
    """Timings are printed (-s), not asserted: the heading and text must not wait for anything but
    the HTML and CSS."""
    for name in ("home", "study", "policy brief"):
        page = new_page(browser, 360, 740)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        response = page.goto(
            live_server.url + demo[name], wait_until="domcontentloaded", timeout=60_000
        )
        assert response.status == 200
        assert page.evaluate(SHOWN, "main h1"), f"{name}: the h1 is visible at DOMContentLoaded"
        assert page.evaluate(SHOWN, "main .lead, main h1 ~ p, main .prose p"), (
            f"{name}: text visible at DCL"
        )
        page.wait_for_load_state("load", timeout=60_000)
        blocking = page.evaluate(RENDER_BLOCKING)
        assert blocking, f"{name}: the stylesheet is found"
        assert all(url.startswith(live_server.url + "/") for url in blocking), (
            f"{name}: render-blocking {blocking}"
        )
        t = page.evaluate(TIMINGS)
        fcp = f"{t['fcp']:.0f} ms" if t["fcp"] is not None else "not reported"
        print(
            f"\nslow 3G, {name}: DOMContentLoaded {t['dcl']:.0f} ms, load {t['load']:.0f} ms, "
            f"first paint {fcp}"
        )
        assert_stayed_local(page, live_server)
        page.context.close()
