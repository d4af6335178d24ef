"""Durable edge purges: a purge a backend refused is a row, retried until it is delivered.

The purge itself is sent at once, after the commit (portal.edge.purge_keys); only a failure
is written down, with portal.retry's backoff. The second purge is a row from the start, due
EDGE["REPURGE_SECONDS"] later: the publishing process sends it then, and if that process
has exited by then, cron does. `manage.py edge_purge retry` (cron, every minute) sends what
is due; a worker claims each row, so two never send the same one. Purging is idempotent, so
a purge sent twice does no harm."""

import datetime
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


def schedule(names, keys, paths, delay):
    """Write down the second purge through each backend, due in `delay` seconds, before it is
    sent, so it outlives the process; the rows' ids, or None if the database refused."""
    due = timezone.now() + datetime.timedelta(seconds=delay)
    try:
        return [
            PendingPurge.objects.create(
                backend=name, keys=list(keys), paths=list(paths), attempts=0, next_attempt_at=due
            ).pk
            for name in names
        ]
    except Exception:  # the caller sends it from memory instead
        logger.exception("Could not write down the second edge purge")
        return None


def retry_due(root, now=None, limit=100):
    """Send the due purges; (sent, failed)."""
    now = now or timezone.now()
    due = PendingPurge.objects.filter(next_attempt_at__lte=now).order_by("next_attempt_at")
    return _attempt(due[:limit], root, now)


def send_scheduled(pks, root):
    """Send these scheduled purges now (the publishing process's timer); (sent, failed)."""
    return _attempt(PendingPurge.objects.filter(pk__in=pks), root, timezone.now())


def _attempt(purges, root, now):
    backends = get_backends()
    sent = failed = 0
    for purge in purges:
        if not POLICY.claim(PendingPurge.objects.all(), purge.pk, now):
            continue  # another worker has it, or already sent and deleted it
        backend = backends.get(purge.backend)
        if backend is None:  # the backend was removed from the settings: nothing to purge
            purge.delete()
            continue
        try:
            send(purge.backend, backend, purge.keys, purge.paths, root)
        except Exception as error:  # noqa: BLE001 - any backend's error is retried
            failure = POLICY.failure(purge.attempts + 1, error, now)
            PendingPurge.objects.filter(pk=purge.pk).update(**failure)
            logger.error("Edge purge through %s failed (%s): queued", purge.backend, error)
            failed += 1
        else:
            purge.delete()
            sent += 1
    return sent, failed
