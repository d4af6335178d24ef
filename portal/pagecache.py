"""The full-page cache: anonymous readers get stored responses, purged by path when content changes.

Why not Django's per-site cache: it cannot purge one page. Here every stored
response carries the version stamps it was rendered under: of its path, of
each of the path's prefixes and of the whole site. A hit reads them and the
entry in one `get_many` (one round trip) and serves the entry only if they
still match. Purging a page re-stamps its path prefix (the page, its routes
such as `cite/bibtex/`, and the pages under it, whose breadcrumbs name it);
purging an ancestor or a listing re-stamps that exact path only. Nothing is
deleted and there is no index of keys to race on: a stale entry is never
served, and the next render replaces it (a render that started before a
purge stores the old stamps, so it cannot pass for fresh).

No stampede: a purge makes every page under it a miss at once, so for STALE_SECONDS after
the re-stamp one request (the one that takes the fill lock, `cache.add`) renders the page
while the others get the previous copy, marked `X-Cache: stale`, uncacheable and without the
edge's headers so that no layer keeps it. A stamp records the one it replaced, so a copy is
served stale only when exactly one purge separates it from now: content is never older
than the latest purge by more than the window.

A reader with a session (staff) or pending messages is never served from or
stored in the cache, nor is a response that sets a cookie, uses a CSRF token,
or says private/no-store/no-cache. Cache errors (Redis down) count as misses. A
view whose answer is degraded (a search answered by the database while the
cluster is down) says `no-cache`, so the outage does not outlive itself.

Hits used to be answered in WSGI, in front of Django's request cycle. With the edge in front
(the production path), 0.03 % of requests reached the portal at all, and that fast path won
only 8-17 % more hits per gunicorn core (bench/README.md, "Edge benchmark"), so it went.
"""

import hashlib
import logging
import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.utils.http import http_date

from . import edge, i18n

logger = logging.getLogger(__name__)

STORED_TYPES = (
    "text/html",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/json",
)
STORED_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Content-Encoding",
    "Vary",
    "Link",
    "Content-Disposition",
    *edge.HEADERS,  # the edge needs them on a hit too
)


def options():
    """settings.PAGE_CACHE, with defaults."""
    return {
        "ALIAS": "default",
        "TIMEOUT": 600,
        "BROWSER_MAX_AGE": 60,
        "EXCLUDE": (),
        "STALE_SECONDS": 2,
        **settings.PAGE_CACHE,
    }


def _cache():
    return caches[options()["ALIAS"]]


def _digest(text):
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _prefixes(path):
    """ "/a/b/" -> ["/", "/a/", "/a/b/"]: every path a purge of a subtree can name."""
    parts = [part for part in path.split("/") if part]
    found = ["/"]
    for index in range(len(parts)):
        found.append("/" + "/".join(parts[: index + 1]) + "/")
    if not path.endswith("/") and path != "/":
        found[-1] = path
    return found


SITE_KEY = (
    "pc:v:all"  # re-stamped by purge_all(): every page, and the fragments keyed with site_stamp()
)


def _version_keys(path):
    return [SITE_KEY, f"pc:v:exact:{_digest(path)}"] + [
        f"pc:v:tree:{_digest(p)}" for p in _prefixes(path)
    ]


_now = time.time  # the clock stamps and stale windows are read from (tests move it on)


def _stamp(previous="", now=None):
    """ "id.milliseconds.previous id": when it was made and which stamp it replaced."""
    millis = int((_now() if now is None else now) * 1000)
    return f"{uuid.uuid4().hex[:12]}.{millis}.{previous.split('.')[0]}"


def _versions(cache, keys, found=None):
    """The stamps for these keys (`found`: those already read); a missing one gets a fresh stamp,
    made at time 0, so eviction never revives old entries, not even as stale copies."""
    # A copy: while Redis is down, django-redis answers every get_many with one shared dict.
    found = dict(found if found is not None else cache.get_many(keys))
    for key in keys:
        if key not in found:
            stamp = _stamp(now=0)
            cache.add(key, stamp, timeout=None)
            found[key] = cache.get(key) or stamp
    return [found[key] for key in keys]


def _entry_key(request):
    gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    vary = f"{request.scheme}|{request.get_host()}|{request.get_full_path()}|{int(gzip)}"
    return "pc:page:" + _digest(vary)


def _lookup(cache, request):
    """(entry key, current stamps, the entry if it was stored under them, or a stale entry while
    another request renders it): stamps and entry in one round trip."""
    keys, key = _version_keys(request.path_info), _entry_key(request)
    found = dict(cache.get_many([*keys, key]))  # a copy, as in _versions()
    entry = found.pop(key, None)
    versions = _versions(cache, keys, found)
    if entry is None or entry.get("versions") == versions:
        return key, versions, entry
    if _recently_replaced(entry.get("versions") or (), versions) and not cache.add(
        FILL_PREFIX + key, 1, timeout=options()["STALE_SECONDS"] + 1
    ):
        return key, versions, {**entry, "stale": True}  # another request is rendering it
    return key, versions, None


FILL_PREFIX = "pc:fill:"  # + entry key: held by the one request rendering a purged page


def _recently_replaced(stored, current):
    """Whether each stamp that changed since `stored` replaced the stored one directly, within
    the stale window."""
    window = options()["STALE_SECONDS"] * 1000
    now = _now() * 1000
    if window <= 0 or len(stored) != len(current):
        return False
    for old, new in zip(stored, current, strict=True):
        if old == new:
            continue
        parts = new.split(".")
        if len(parts) != 3 or parts[2] != old.split(".")[0] or now - int(parts[1]) > window:
            return False
    return True


def bypass(request):
    if request.method not in ("GET", "HEAD"):
        return True
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return True
    path = i18n.unprefixed(request.path_info)  # "/fr/newsletter/" is excluded as "/newsletter/"
    return any(path.startswith(prefix) for prefix in options()["EXCLUDE"])


def storable(request, response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if (
        request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or getattr(request, "session", None)
        and request.session.modified
    ):
        return False
    control = response.get("Cache-Control", "")
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    return response.get("Content-Type", "").split(";")[0].strip() in STORED_TYPES


def lookup(request):
    """(entry key, current stamps, the stored response or None), or None when this request is not
    the cache's to answer: caching off, a bypass, a host Django will refuse, or the cache is
    down."""
    if options()["TIMEOUT"] <= 0 or bypass(request):
        return None
    try:
        request.get_host()
    except DisallowedHost:
        return None  # Django answers it with a 400
    try:
        return _lookup(_cache(), request)
    except Exception as error:  # noqa: BLE001 - any backend's error is a miss, never a 500
        logger.warning("Page cache unavailable (%s); serving uncached", error)
        return None


class PageCacheMiddleware:
    """Serve and store anonymous GET responses (place after SecurityMiddleware and WhiteNoise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = lookup(request)
        if found is None:
            return self.get_response(request)
        key, versions, entry = found
        if entry is not None:
            return rebuild(entry)
        response = self.get_response(request)
        if storable(request, response):
            _prepare(response)
            try:
                cache = _cache()
                cache.set(key, {**_freeze(response), "versions": versions}, options()["TIMEOUT"])
                cache.delete(FILL_PREFIX + key)  # the next purge's first reader renders
            except Exception as error:  # noqa: BLE001 - the response is served all the same
                logger.warning("Page cache unavailable (%s); response not stored", error)
            response["X-Cache"] = "miss"
        return response


def _prepare(response):
    """Validators and a short browser lifetime, the same on the first response and on every hit."""
    if not response.has_header("ETag"):
        response["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
    if not response.has_header("Last-Modified"):
        response["Last-Modified"] = http_date(time.time())
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = f"public, max-age={options()['BROWSER_MAX_AGE']}"


def _freeze(response):
    headers = {
        name: response.get(name)
        for name in STORED_HEADERS + ("ETag", "Last-Modified", "Cache-Control")
    }
    return {
        "content": response.content,
        "headers": {k: v for k, v in headers.items() if v is not None},
    }


def rebuild(entry):
    response = HttpResponse(entry["content"])
    for name, value in entry["headers"].items():
        response[name] = value
    response["Content-Length"] = str(len(entry["content"]))  # as CommonMiddleware sets it on a miss
    response["X-Cache"] = "hit"
    if entry.get("stale"):  # for this reader only: no browser or edge keeps it
        for name in (*edge.HEADERS, "ETag", "Last-Modified"):
            del response[name]
        response["Cache-Control"] = "no-cache"
        response["X-Cache"] = "stale"
    return response


def purge(exact=(), trees=()):
    """Re-stamp these paths (exactly) and these subtrees (the path and all under it)."""
    keys = [f"pc:v:exact:{_digest(path)}" for path in exact] + [
        f"pc:v:tree:{_digest(path)}" for path in trees
    ]
    _restamp(keys)


def purge_all():
    _restamp([SITE_KEY])


def path_stamps(path):
    """The stamps a copy of `path` is kept under: a fragment keyed with them is purged whenever
    that page would be."""
    return _versions(_cache(), _version_keys(path))


def site_stamp():
    """The site-wide stamp: a fragment keyed with it is purged whenever every page is."""
    return _versions(_cache(), [SITE_KEY])[0]


def _restamp(keys):
    if not keys:
        return
    try:
        cache = _cache()
        previous = cache.get_many(keys)
        cache.set_many({key: _stamp(previous.get(key, "")) for key in keys}, timeout=None)
    except Exception as error:  # noqa: BLE001 - a publish must not fail on the cache
        logger.error(
            "Page cache purge failed (%s): stale pages may be served until they expire", error
        )
