"""Shared fixtures: a site whose root is a HomePage, an admin user, search backends."""

import contextlib
import os
import uuid

import pytest
from wagtail.models import Page, Site

from .factories import HomePageFactory
from .helpers import Inbox, clear_rate_limits, free_port


@pytest.fixture(autouse=True)
def empty_caches():
    """Each test starts with empty caches: the page cache and rate limits would outlive its
    database."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: the test client's last request leaves its
    language active in the thread (LocaleMiddleware activates it and nothing resets it),
    which a test calling a backend without a request would otherwise inherit."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def home(db):
    """Replace Wagtail's default welcome page with a HomePage serving the default site."""
    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root, slug="home-test")
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": home, "site_name": "Test portal"},
    )
    Page.objects.filter(depth=2).exclude(pk=home.pk).delete()
    return home


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "password")
    client.force_login(user)
    return client


SEARCH_ENGINES = {
    "opensearch": (
        "TEST_OPENSEARCH_URL",
        "search.backends.opensearch.OpenSearchBackend",
        "",  # each language's analyser (search/languages.py)
    ),
    "elasticsearch": (
        "TEST_ELASTICSEARCH_URL",
        "search.backends.elasticsearch.ElasticsearchBackend",
        "standard",
    ),
}


def engine_settings(engine, **options):
    """PORTAL_SEARCH for a real engine on a fresh index, or skip when the engine is not running."""
    variable, backend, analyzer = SEARCH_ENGINES[engine]
    url = os.environ.get(variable)
    if not url:
        pytest.skip(
            f"{variable} is not set: start the engine with scripts/search-engine.sh (CI does)"
        )
    index = f"test-{uuid.uuid4().hex[:12]}"
    return {
        "BACKEND": backend,
        "OPTIONS": {"URL": url, "INDEX": index, "TIMEOUT": 10, "ANALYZER": analyzer, **options},
    }


@pytest.fixture
def use_engine(settings):
    """Switch the configured search backend to a real engine; drop its test indices afterwards."""
    from search.backends import get_search_backend

    used = []

    def switch(engine, **options):
        settings.PORTAL_SEARCH = engine_settings(engine, **options)
        backend = get_search_backend()
        used.append(backend)
        return backend

    yield switch
    for backend in used:
        with contextlib.suppress(Exception):  # the engine may have been stopped on purpose
            backend.client.indices.delete(index=f"{backend.alias}-*", ignore_unavailable=True)


@pytest.fixture(params=["database", "opensearch", "elasticsearch"])
def backend(request, settings, use_engine):
    """A test of what readers find, on the database backend and on each real engine."""
    from search.backends import get_search_backend

    if request.param == "database":
        settings.PORTAL_SEARCH = {"BACKEND": "search.backends.database.DatabaseBackend"}
        return get_search_backend()
    return use_engine(request.param)


@pytest.fixture(params=["database", "opensearch"])
def search_backend(request, settings, use_engine):
    """Each contract test runs on the database backend and on a real OpenSearch node."""
    from search.backends import get_search_backend

    if request.param == "database":
        settings.PORTAL_SEARCH = {
            "BACKEND": "search.backends.database.DatabaseBackend",
            "OPTIONS": {},
        }
        return get_search_backend()
    return use_engine(request.param)


@pytest.fixture
def people(django_user_model):
    """An editor and a moderator, in the editorial groups the migrations make."""
    from django.contrib.auth.models import Group

    def member(name, group):
        user = django_user_model.objects.create_user(name, f"{name}@example.org", "pw")
        user.groups.add(Group.objects.get(name=group))
        return user

    return {"editor": member("editor", "Editors"), "moderator": member("moderator", "Moderators")}


@pytest.fixture
def committing_client(client, django_capture_on_commit_callbacks):
    """A test client whose requests run their on-commit callbacks (outbox deliveries) as a real
    commit would."""
    original = client.request

    def request(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(**kwargs)

    client.request = request
    return client


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture
def chromium(monkeypatch):
    """Debian's Chromium driven by Playwright (never `playwright install`); skipped, with the
    reason, without it."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (CI does)")
    playwright = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are still
    # synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
        # ORM calls made under that loop get their own connection (connections are context-local):
        # close it, or PostgreSQL refuses to drop the test database at the end.
        connections.close_all()


@pytest.fixture
def smtp(settings, home):
    """A real SMTP server on 127.0.0.1 (aiosmtpd), with the portal's email backend sending to
    it; its `messages` are what arrived."""
    from aiosmtpd.controller import Controller

    clear_rate_limits()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "updates@traction.test"
    yield inbox
    controller.stop()
    clear_rate_limits()
