"""Answer page-cache hits in WSGI, before Django's request cycle starts.

A hit needs no URL resolving, database or template, yet Django's handler
still runs its signals (closing old database connections twice), sets the
script prefix and URLconf and wraps every middleware in its exception
handling: about a sixth of a hit's time (265 -> 220 µs in-process with Redis; a fifth more
hits/s under gunicorn). `PageCacheHits` wraps the WSGI application
(portal/wsgi.py) and serves hits itself.

The response is the one Django would send, by construction: the request
goes through the same middleware that stands in front of
PageCacheMiddleware in settings.MIDDLEWARE (proxy addresses, the HTTPS
redirect, security headers, X-Frame-Options, ETag/304), instantiated in
the same order around `pagecache.lookup`, which the middleware uses too.
Anything else, a miss, a bypass (a session, a POST, the admin), a host
Django refuses, a redirect or an error, goes to Django untouched. A miss
hands its lookup on, so Django does not ask the cache a second time.
"""

import logging

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.utils.module_loading import import_string

from . import pagecache

logger = logging.getLogger(__name__)
CACHE_MIDDLEWARE = "portal.pagecache.PageCacheMiddleware"


class _NotAHit(Exception):
    """Raised from inside the middleware: Django is to answer this request."""


class PageCacheHits:
    def __init__(self, application):
        self.application = application
        self.enabled = CACHE_MIDDLEWARE in settings.MIDDLEWARE
        if self.enabled:
            handler = self._hit
            for path in reversed(
                settings.MIDDLEWARE[: settings.MIDDLEWARE.index(CACHE_MIDDLEWARE)]
            ):
                handler = import_string(path)(handler)
            self.handler = handler

    def __call__(self, environ, start_response):
        if not self.enabled or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.application(environ, start_response)
        request = WSGIRequest(
            environ.copy()
        )  # a copy: the middleware may rewrite META (REMOTE_ADDR)
        try:
            response = self.handler(request)
        except _NotAHit:
            response = None
        except Exception:
            logger.debug("Page cache fast path declined %s", request.path, exc_info=True)
            response = None
        found = getattr(request, "_page_cache_found", None)  # set by _hit() once it has looked
        if response is None or found is None or found[2] is None:
            if found is not None and found[2] is None:
                environ[pagecache.LOOKUP_KEY] = (
                    found  # a miss: Django stores it without asking again
                )
            return self.application(environ, start_response)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return [
            b"" if environ["REQUEST_METHOD"] == "HEAD" else response.content
        ]  # HEAD: the headers of GET

    @staticmethod
    def _hit(request):
        found = request._page_cache_found = pagecache.lookup(request)
        if found is None or found[2] is None:
            raise _NotAHit
        return pagecache.rebuild(found[2])
