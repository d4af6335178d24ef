"""Due alerts become digests: one search per distinct query, streamed, each item sent once.

`send_due(now)` (run by `manage.py newsletter send-due`) takes the due alerts grouped by
their query and language. Each group runs its search once, through the same contract as the
page and the feed (sort=newest), for what was published since the group's oldest mark less
LOOKBACK (a page published just before a run and indexed just after it is still caught).
Each alert of the group then keeps the hits newer than its own mark (less LOOKBACK) that it
has not sent before (AlertItem), and gets one email if any are left.

Alerts are read in chunks, and each chunk commits in one transaction: its emails are queued
in the outbox (one key per alert and window), its items recorded and its marks moved. A
crash loses at most the chunk in progress, which the next run does again, and a second run
finds nothing due.
"""

import datetime
import itertools
from dataclasses import replace

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import translation

from portal.newsletter import outbox

from ..backends import get_search_backend
from ..query import MAX_PAGE_SIZE
from . import emails
from .models import AlertItem, SearchAlert

DIGEST_SIZE = 20  # results listed in one email; the email links to the search for the rest
LOOKBACK = datetime.timedelta(hours=6)  # indexing lag tolerated
CHUNK = 500  # alerts committed together


def due(now):
    return SearchAlert.objects.filter(stopped_at__isnull=True, next_due_at__lte=now)


def send_due(now, base_url=None):
    """Queue the digests of every due alert as of `now`; returns how many were queued."""
    base_url = (base_url or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    groups = (
        due(now)
        .values("query", "language")
        .annotate(oldest=Min("mark"))
        .order_by("query", "language")
    )
    queued = 0
    for group in groups.iterator():
        results = search(group["query"], group["language"], group["oldest"] - LOOKBACK)
        alerts = due(now).filter(query=group["query"], language=group["language"]).order_by("pk")
        for chunk in _chunks(alerts.iterator(chunk_size=CHUNK), CHUNK):
            queued += _send_chunk(chunk, results, now, base_url)
    return queued


def search(query, language, since):
    """The group's new results, newest first, labelled in its language."""
    alert = SearchAlert(query=query, language=language)
    params = replace(alert.params(), sort="newest", page=1, page_size=MAX_PAGE_SIZE,
                     published_after=since)  # fmt: skip
    with translation.override(language):
        return get_search_backend().search(params)


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _send_chunk(alerts, results, now, base_url):
    sent = set(
        AlertItem.objects.filter(
            alert__in=alerts, key__in=[hit.key for hit in results.hits]
        ).values_list("alert_id", "key")
    )
    with translation.override(alerts[0].language):
        described = results.describe()
    messages, items = [], []
    for alert in alerts:
        new = [
            hit
            for hit in results.hits
            if hit.published and hit.published > alert.mark - LOOKBACK
            and (alert.pk, hit.key) not in sent
        ]  # fmt: skip
        listed = new[:DIGEST_SIZE]
        if listed:
            more = len(new) > DIGEST_SIZE or results.total > len(results.hits)
            payload = emails.digest(alert, listed, described, more, base_url)
            messages.append((f"alert:{alert.pk}:{alert.mark.isoformat()}", payload, None))
            items += [AlertItem(alert=alert, key=hit.key, sent_at=now) for hit in listed]
            alert.last_sent_at = now
        alert.mark = now
        alert.next_due_at = alert.next_due(now)
    with transaction.atomic():
        queued = outbox.queue_bulk(messages) if messages else 0
        AlertItem.objects.bulk_create(items, batch_size=CHUNK, ignore_conflicts=True)
        SearchAlert.objects.bulk_update(
            alerts, ["mark", "next_due_at", "last_sent_at"], batch_size=CHUNK
        )
    return queued
