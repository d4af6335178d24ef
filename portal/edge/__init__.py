"""The edge cache in front of the portal (Varnish, or a CDN), purged by surrogate key.

Every public response names what it shows in a `Surrogate-Key` header (`Cache-Tag` for
Cloudflare: each keyed backend names the header it reads; middleware.py):
`all`, the page served (`p<id>`), each step of its place in the tree (`t<tree path>`, so a
purge of a page reaches the pages under it, whose breadcrumbs name it), and `index` for the
pages built from the whole index (search, feeds, countries, the API, the sitemap).
portal.cache_purge works out which keys a change touches, the same way it works out the
portal's own cache's paths, and `purge_keys()` sends them, once the change is committed, to
every backend in settings.WAGTAILFRONTENDCACHE: Wagtail's frontend-cache interface, with
backends of ours on its BaseBackend (portal/edge/backends/: Varnish's xkey, Cloudflare's
tags). A backend that purges URLs only (Wagtail's own HTTP or CloudFront backends) gets the
URLs of the paths instead, a tree as `/path/*`.

A second, identical purge follows EDGE["REPURGE_SECONDS"] later: a render that started
before the commit can reach the edge after the first purge, and must not live for a day. It
is written down before it is due (queue.schedule), so cron sends it if this process exits
first. A purge a backend refuses is kept in the database and retried (queue.py, `manage.py
edge_purge retry`), so a CDN outage does not leave stale pages for a whole TTL either.
"""

import logging
import threading

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from wagtail.contrib.frontend_cache.utils import get_backends

from .backends.base import KeyedBackend
from .backends.cloudflare import CloudflareTagsBackend

logger = logging.getLogger(__name__)

CONTROL_HEADER = "CDN-Cache-Control"
# The headers a public response may carry for the edge (the portal's own cache stores them
# too): the keys, under each keyed backend's header name, and the edge's lifetime.
HEADERS = (KeyedBackend.key_header, CloudflareTagsBackend.key_header, CONTROL_HEADER)


def key_headers():
    """{header: separator} for the keys, as the configured keyed backends read them (Varnish's
    `Surrogate-Key` when none is configured, so responses are tagged all the same)."""
    found = {}
    for config in (getattr(settings, "WAGTAILFRONTENDCACHE", None) or {}).values():
        backend = import_string(config["BACKEND"])
        if isinstance(backend, type) and issubclass(backend, KeyedBackend):
            found[backend.key_header] = backend.key_separator
    return found or {KeyedBackend.key_header: KeyedBackend.key_separator}


def options():
    """settings.EDGE (its defaults live there, read from the environment)."""
    return settings.EDGE


def page_keys(page):
    """The keys of a response that serves `page` (or one of its routes)."""
    steps = range(page.steplen, len(page.path) + 1, page.steplen)
    return [f"p{page.pk}", *(_tree_key(page.path[:end]) for end in steps)]


def tree_key(page):
    """The key a purge of `page` and everything under it sends."""
    return _tree_key(page.path)


def _tree_key(tree_path):
    return f"t{tree_path}"


def cache_control():
    """The edge's lifetime for a public response (RFC 9213's targeted Cache-Control)."""
    edge = options()
    return (
        f"max-age={edge['TTL']}, stale-while-revalidate={edge['STALE_SECONDS']}, "
        f"stale-if-error={edge['STALE_IF_ERROR']}"
    )


def purge_keys(keys, paths=()):
    """Purge these keys (and, from URL-only backends, these paths) once the change commits."""
    keys, paths = sorted(set(keys)), sorted(set(paths))
    if not keys or not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return

    def send():
        _send(keys, paths)
        delay = float(options()["REPURGE_SECONDS"])
        if delay > 0:
            from . import queue

            scheduled = queue.schedule(get_backends(), keys, paths, delay)
            if scheduled is None:  # not written down: sent from memory, lost if we exit
                timer = threading.Timer(delay, _send, (keys, paths, True))
            else:
                timer = threading.Timer(delay, _send_scheduled, (scheduled,))
            timer.daemon = True
            timer.start()

    transaction.on_commit(send)


def _send_scheduled(pks):
    from django.db import connection

    from . import queue

    try:
        queue.send_scheduled(pks, settings.WAGTAILADMIN_BASE_URL.rstrip("/"))
    except Exception:  # the rows stay due, and cron's `edge_purge retry` sends them
        logger.exception("The second edge purge is left to `edge_purge retry`")
    finally:
        connection.close()  # the timer's thread: no connection left behind


def _send(keys, paths, again=False):
    from . import queue  # its model needs the app registry, ready by the time anything purges

    root = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    for name, backend in get_backends().items():
        try:
            queue.send(name, backend, keys, paths, root)
        except Exception as error:  # noqa: BLE001 - a publish must not fail on the edge
            logger.error(
                "Edge purge through %s failed (%s): queued for `edge_purge retry`", name, error
            )
            if not again:  # the second purge's failure is the first's, already queued
                queue.record_failure(name, keys, paths, error)
    if again:
        from django.db import connection

        connection.close()  # the timer's thread: no connection left behind
