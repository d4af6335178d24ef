"""The database down: a 503 page with Retry-After, never a 500, and cached pages still served.

In-process tests make the database's cursor (or a middleware) raise the errors an outage
raises; the last test stops a real PostgreSQL under gunicorn with production settings.
"""

import contextlib
import logging
from unittest import mock

import pytest
from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django.test import Client

from bench import pgcluster, servers
from portal import outage
from portal.newsletter.models import OutboxMessage, Subscriber

from .factories import StandardPageFactory
from .helpers import clear_rate_limits, fetch, runs_once, signup_data

OUTAGE_TEXT = "The site is temporarily unavailable"
REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'


class RaisingMiddleware:
    """Stands for a middleware (sessions, auth) whose database query fails."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError("server closed the connection unexpectedly")


class BuggyMiddleware(RaisingMiddleware):
    def __call__(self, request):
        raise KeyError("not the database")


@pytest.fixture(autouse=True)
def fresh_throttle():
    outage.throttle._next.clear()  # each test sees its first warning


@contextlib.contextmanager
def database_down(error=None):
    """Every query fails as it does once PostgreSQL has gone."""
    with mock.patch.object(
        connections["default"], "cursor", side_effect=error or OperationalError(REFUSED)
    ):
        yield


@pytest.fixture
def lenient():
    """A client that returns Django's response instead of re-raising the request's error."""
    return Client(raise_request_exception=False)


def assert_outage_page(response, retry_after="30"):
    assert response.status_code == 503
    assert response["Retry-After"] == retry_after
    assert response["Cache-Control"] == "no-store"
    assert OUTAGE_TEXT in response.content.decode()
    for header in ("Surrogate-Key", "Cache-Tag", "CDN-Cache-Control", "X-Cache", "Set-Cookie"):
        assert header not in response, header


@pytest.mark.django_db
def test_a_page_answers_503_while_the_database_is_down_and_is_not_cached(client, home, caplog):
    with caplog.at_level(logging.WARNING), database_down():
        response = client.get("/")
        again = client.get("/")
    assert_outage_page(response)
    assert_outage_page(again)
    assert "Home page" in response.content.decode()
    assert "Nothing you sent" not in response.content.decode()
    warnings = [r for r in caplog.records if r.name == "portal.outage"]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"  # one line, then quiet
    assert "Connection refused" in warnings[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    fresh = client.get("/")  # the database back: rendered, neither 503 was stored
    assert fresh.status_code == 200 and fresh["X-Cache"] == "miss"
    assert client.get("/")["X-Cache"] == "hit"


@pytest.mark.django_db
def test_cached_pages_are_served_while_the_database_is_down(client, home):
    page = StandardPageFactory(parent=home, slug="about", title="About the portal")
    assert client.get(page.url).status_code == 200  # stored
    with database_down():
        cached = client.get(page.url)
        uncached = client.get("/")
    assert cached.status_code == 200 and cached["X-Cache"] == "hit"
    assert "About the portal" in cached.content.decode()
    assert_outage_page(uncached)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [
        OperationalError("terminating connection due to administrator command"),
        InterfaceError("connection already closed"),
    ],
)
def test_other_connection_errors_and_the_retry_after_setting(client, home, settings, error):
    settings.OUTAGE_RETRY_AFTER = 7
    with database_down(error):
        response = client.get("/")
    assert_outage_page(response, retry_after="7")


@pytest.mark.django_db
def test_the_page_is_in_the_readers_language(client, home):
    with database_down():
        response = client.get("/fr/")
    assert response.status_code == 503
    assert "Le site est temporairement indisponible" in response.content.decode()
    assert 'lang="fr"' in response.content.decode()


@pytest.mark.django_db
def test_a_newsletter_signup_is_refused_clearly_and_nothing_is_recorded(client, home):
    clear_rate_limits()
    with database_down():
        response = client.post("/newsletter/", signup_data(email="down@example.org"))
    clear_rate_limits()
    assert_outage_page(response)
    body = response.content.decode()
    assert "has not been saved" in body
    assert "Check your email" not in body and "We have sent" not in body
    assert not Subscriber.objects.filter(email="down@example.org").exists()
    assert not OutboxMessage.objects.exists()


def with_middleware(settings, name):
    """settings.MIDDLEWARE with `name` right after the session middleware."""
    index = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    return [*settings.MIDDLEWARE[: index + 1], name, *settings.MIDDLEWARE[index + 1 :]]


@pytest.mark.django_db
def test_an_error_in_another_middleware_also_answers_503(lenient, home, settings, caplog):
    """Django turns it into a response inside that middleware's layer: handler500 sees it."""
    settings.MIDDLEWARE = with_middleware(settings, "tests.test_outage.RaisingMiddleware")
    with caplog.at_level(logging.WARNING):
        response = lenient.get("/")
    assert_outage_page(response)
    assert response["X-Content-Type-Options"] == "nosniff"  # the middleware in front still ran
    assert [r.getMessage() for r in caplog.records if r.name.startswith("django")] == []
    assert "portal.outage" in [r.name for r in caplog.records]


@pytest.mark.django_db
def test_other_errors_still_get_the_500_page(lenient, home, settings):
    with mock.patch("wagtail.models.Site.find_for_request", side_effect=ValueError("a bug")):
        from_a_view = lenient.get("/")
    settings.MIDDLEWARE = with_middleware(settings, "tests.test_outage.BuggyMiddleware")
    from_a_middleware = Client(raise_request_exception=False).get("/")  # loads MIDDLEWARE anew
    for response in (from_a_view, from_a_middleware):
        assert response.status_code == 500
        assert "Something went wrong" in response.content.decode()
        assert "Retry-After" not in response and OUTAGE_TEXT not in response.content.decode()


def test_an_error_raised_from_a_database_error_counts_as_one():
    try:
        try:
            raise OperationalError(REFUSED)
        except OperationalError as error:
            raise RuntimeError("search index unavailable") from error
    except RuntimeError as wrapped:
        assert isinstance(outage.database_unavailable(wrapped), OperationalError)
    assert outage.database_unavailable(ValueError("a bug")) is None


# --- A real PostgreSQL under gunicorn -----------------------------------------------------

PAGES = """
from wagtail.models import Page, Site
from portal.models import HomePage, StandardPage
root = Page.get_first_root_node()
home = root.add_child(instance=HomePage(title="Outage home", slug="outage-home"))
home.add_child(instance=StandardPage(title="Outage about", slug="about", intro="About."))
Site.objects.filter(is_default_site=True).update(root_page=home)
Page.objects.filter(depth=2).exclude(pk=home.pk).delete()
"""


@pytest.fixture(scope="module")
def postgres_portal(tmp_path_factory):
    """gunicorn (production settings, no Redis: each worker's own page cache) on a fresh
    PostgreSQL with a home page and one page under it."""
    if pgcluster.unavailable_reason():
        pytest.skip(pgcluster.unavailable_reason())
    scratch = tmp_path_factory.mktemp("outage")
    cluster = pgcluster.Cluster()
    try:
        cluster.init()
        cluster.start()
        env = servers.production_env(
            cluster.url,
            STATIC_ROOT=scratch / "static",
            MEDIA_ROOT=scratch / "media",
            OUTAGE_RETRY_AFTER="12",
            DB_CONN_MAX_AGE="60",
        )
        servers.manage(env, "migrate", "--noinput")
        servers.manage(env, "shell", "-c", PAGES)
        servers.manage(env, "collectstatic", "--noinput")
        # One worker: the page warmed is then in the cache of the worker asked again.
        with servers.gunicorn(env, workers=1, log=scratch / "gunicorn.log") as url:
            yield {"url": url, "cluster": cluster, "log": scratch / "gunicorn.log"}
    finally:
        cluster.remove()


@runs_once()
def test_a_real_postgresql_outage(postgres_portal):
    base, cluster = postgres_portal["url"], postgres_portal["cluster"]
    assert fetch(base + "/about/")[0] == 200
    status, headers, _ = fetch(base + "/about/")
    assert status == 200 and headers["X-Cache"] == "hit"
    cluster.stop()
    try:
        status, headers, body = fetch(base + "/about/")
        assert status == 200 and headers["X-Cache"] == "hit" and "Outage about" in body
        for _ in range(2):  # the connection the worker kept, then a refused new one
            status, headers, body = fetch(base + "/")
            assert status == 503, (status, body[:500])
            assert headers["Retry-After"] == "12" and headers["Cache-Control"] == "no-store"
            assert OUTAGE_TEXT in body and "CDN-Cache-Control" not in headers
        status, headers, body = fetch(base + "/newsletter/", signup_data(email="down@example.org"))
        assert status == 503 and "has not been saved" in body
        assert "Check your email" not in body
    finally:
        cluster.start()
    status, _, body = fetch(base + "/")
    assert status == 200 and "Outage home" in body  # Django reconnected
    log = postgres_portal["log"].read_text()
    assert "Database unavailable" in log and "Traceback" not in log, log[-3000:]
