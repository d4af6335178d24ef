"""Hits answered in WSGI (portal/pagecache_wsgi.py) are the responses Django would have sent."""

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import RequestFactory

from portal import pagecache
from portal.pagecache_wsgi import PageCacheHits

from .helpers import build_search_site


@pytest.fixture
def site(db):
    return build_search_site()


class Django:
    """Django's own WSGI application, counting the requests that reach it."""

    def __init__(self):
        self.handler, self.seen = WSGIHandler(), []

    def __call__(self, environ, start_response):
        self.seen.append(environ)
        return self.handler(environ, start_response)


@pytest.fixture
def apps(site):
    """(the fast path in front of Django, Django alone). Built here, after any settings override."""
    # As Django's test client does: the test's transaction must outlive each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        django = Django()
        yield PageCacheHits(django), django
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def call(app, path, method="GET", **headers):
    """(status code, headers, body) as a WSGI server would get them."""
    environ = RequestFactory().generic(method, path, headers=headers).environ
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started.update(status=int(status.split()[0]), headers=response_headers)

    chunks = app(environ, start_response)
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return started["status"], dict(started["headers"]), body


def served_by_fast_path(apps, path, **headers):
    """Call the fast path; assert Django did not see the request; return the response."""
    fast, django = apps
    before = len(django.seen)
    response = call(fast, path, **headers)
    assert len(django.seen) == before, f"{path} was not answered by the fast path"
    return response


URLS = [
    "/",
    "/search/?q=costing&country=ML",
    "/feed/",
    "/sitemap.xml",
    "/api/search/?q=costing",
    "/countries/ml/",
]


@pytest.mark.parametrize("encoding", ["gzip", ""])
def test_hits_are_byte_for_byte_what_django_sends(apps, site, encoding):
    fast, django = apps
    for url in [*URLS, site.s1.url, site.brief.url]:
        first = call(fast, url, **{"Accept-Encoding": encoding})
        assert first[0] == 200 and first[1]["X-Cache"] == "miss", url
        hit = served_by_fast_path(apps, url, **{"Accept-Encoding": encoding})
        assert hit == call(django, url, **{"Accept-Encoding": encoding}), url
        assert (
            hit[1]["X-Cache"] == "hit" and hit[1]["ETag"] == first[1]["ETag"] and hit[2] == first[2]
        )
    html = call(fast, site.s1.url)[1]
    assert (
        "frame-ancestors 'none'" in html["Content-Security-Policy"]
        and html["X-Frame-Options"] == "DENY"
    )
    assert html["X-Content-Type-Options"] == "nosniff" and "camera=()" in html["Permissions-Policy"]


def test_conditional_requests_get_304_from_the_fast_path(apps, site):
    fast, django = apps
    etag = call(fast, site.s1.url)[1]["ETag"]
    status, headers, body = served_by_fast_path(apps, site.s1.url, **{"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["ETag"] == etag
    assert (status, headers, body) == call(django, site.s1.url, **{"If-None-Match": etag})


def test_https_responses_carry_hsts_like_django(apps, site, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    # SecurityMiddleware reads these when it is built
    fast, django = PageCacheHits(Django()), Django()
    https = {"X-Forwarded-Proto": "https"}
    assert call(fast, "/", **https)[1]["X-Cache"] == "miss"
    hit = call(fast, "/", **https)
    assert hit == call(django, "/", **https) and hit[1]["Strict-Transport-Security"].startswith(
        "max-age=31536000"
    )
    assert call(fast, "/")[1]["X-Cache"] == "miss", "http and https are stored apart"


def test_a_miss_is_looked_up_once_and_the_next_request_is_a_hit(apps, site, monkeypatch):
    fast, django = apps
    lookups = []
    real = pagecache._lookup
    monkeypatch.setattr(pagecache, "_lookup", lambda *args: lookups.append(args) or real(*args))
    status, headers, _ = call(fast, site.s2.url)
    assert status == 200 and headers["X-Cache"] == "miss"
    assert len(lookups) == 1, "Django used the fast path's lookup instead of asking the cache again"
    assert pagecache.LOOKUP_KEY not in django.seen[-1], "the middleware took the hand-over"
    assert served_by_fast_path(apps, site.s2.url)[1]["X-Cache"] == "hit"


def test_a_purge_is_seen_at_once(apps, site):
    fast, django = apps
    call(fast, site.s1.url)
    served_by_fast_path(apps, site.s1.url)
    site.s1.title = "Costing of iCCM, revised"
    site.s1.save_revision().publish()
    status, headers, body = call(fast, site.s1.url)
    assert status == 200 and headers["X-Cache"] == "miss" and b"Costing of iCCM, revised" in body


@pytest.mark.parametrize(
    "method, path, headers",
    [
        ("POST", "/search/?q=costing", {}),
        ("GET", "/search/?q=costing", {"Cookie": "sessionid=abc"}),
        ("GET", "/search/?q=costing", {"Cookie": "messages=abc"}),
        ("GET", "/admin/login/", {}),
        ("GET", "/newsletter/", {}),
    ],
)
def test_what_the_cache_never_answers_goes_to_django(apps, site, method, path, headers):
    fast, django = apps
    call(fast, "/search/?q=costing")  # stored for readers without a session
    before = len(django.seen)
    status, response_headers, _ = call(fast, path, method=method, **headers)
    assert len(django.seen) == before + 1 and response_headers.get("X-Cache") != "hit"
    assert status < 500


def test_a_host_django_refuses_gets_its_400(apps, site):
    fast, django = apps
    call(fast, "/")
    status, _, body = call(fast, "/", Host="evil.example")
    assert (
        status == 400
        and len(django.seen) == 2
        and b"the host name is not one this site answers to" in body
    )


def test_the_https_redirect_comes_from_django(apps, site, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    fast = PageCacheHits(Django())  # SecurityMiddleware reads these when it is built
    https = {"X-Forwarded-Proto": "https"}
    call(fast, "/", **https)
    assert call(fast, "/", **https)[1]["X-Cache"] == "hit"  # a stored https page...
    status, headers, _ = call(fast, "/")  # ...is not what a plain http request gets
    assert status == 301 and headers["Location"] == "https://testserver/"


def test_a_cache_outage_leaves_django_to_answer(apps, site, monkeypatch):
    fast, django = apps
    call(fast, "/")

    def down(*args):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(pagecache, "_lookup", down)
    status, headers, body = call(fast, "/")
    assert status == 200 and "X-Cache" not in headers and b"<main" in body and len(django.seen) == 2


def test_without_the_cache_middleware_it_only_passes_requests_on(apps, settings):
    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if name != "portal.pagecache.PageCacheMiddleware"
    ]
    django = Django()
    fast = PageCacheHits(django)
    assert call(fast, "/")[0] == call(fast, "/")[0] == 200 and len(django.seen) == 2


def test_head_gets_the_headers_of_get_and_no_body(apps, site):
    fast, _ = apps
    status, get_headers, body = call(fast, "/")
    assert call(fast, "/")[1]["Content-Length"] == str(len(body)), "hits say how long they are"
    status, head_headers, head_body = served_by_fast_path(apps, "/", method="HEAD")
    assert status == 200 and head_body == b"" and head_headers["Content-Length"] == str(len(body))
