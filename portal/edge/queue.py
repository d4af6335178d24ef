"""Durable edge purges: a purge a backend refused is a row, retried until it is delivered.

The purge itself is sent at once, after the commit (portal.edge.purge_keys); only a failure
is written down, with portal.retry's backoff, so the common case costs no query. `manage.py
edge_purge retry` (cron, every minute) sends what is due; a worker claims each row, so two
never send the same one. Purging is idempotent, so a purge sent twice does no harm."""

import logging

from django.utils import timezone
from wagtail.contrib.frontend_cache.utils import get_backends

from portal.retry import RetryPolicy

from .models import PendingPurge

logger = logging.getLogger(__name__)
POLICY = RetryPolicy(backoff=(10, 30, 120, 600), then=1800, claim_seconds=120)


def send(name, backend, keys, paths, root):
    """Purge through one backend: its keys if it takes keys, else the URLs of the paths."""
    if hasattr(backend, "purge_keys"):
        backend.purge_keys(keys)
    elif paths:
        backend.purge_batch([root + path for path in paths])


def record_failure(name, keys, paths, error):
    """Keep a refused purge for `edge_purge retry`; never raise (a publish must not fail)."""
    try:
        PendingPurge.objects.create(
            backend=name, keys=list(keys), paths=list(paths), **POLICY.failure(1, error)
        )
    except Exception:  # the database is down too: the log is all that is left
        logger.exception("Could not queue the refused edge purge through %s", name)


def retry_due(root, now=None, limit=100):
    """Send the due purges; (sent, failed)."""
    now = now or timezone.now()
    backends = get_backends()
    sent = failed = 0
    due = PendingPurge.objects.filter(next_attempt_at__lte=now).order_by("next_attempt_at")
    for purge in due[:limit]:
        if not POLICY.claim(PendingPurge.objects.all(), purge.pk, now):
            continue
        backend = backends.get(purge.backend)
        if backend is None:  # the backend was removed from the settings: nothing to purge
            purge.delete()
            continue
        try:
            send(purge.backend, backend, purge.keys, purge.paths, root)
        except Exception as error:  # noqa: BLE001 - any backend's error is retried
            failure = POLICY.failure(purge.attempts + 1, error, now)
            PendingPurge.objects.filter(pk=purge.pk).update(**failure)
            failed += 1
        else:
            purge.delete()
            sent += 1
    return sent, failed
