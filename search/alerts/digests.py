"""Due alerts become digests: one search per distinct query, streamed, each item sent once.

`send_due(now)` (run by `manage.py newsletter send-due`) reads the due alerts in chunks,
ordered by query and language, so the alerts that share a search are together. Each
(query, language) runs its search once, through the same contract as the page and the feed
(sort=newest), for what was first published since the group's oldest mark less LOOKBACK (a
page published just before a run and indexed just after it is still caught). Each alert
then keeps the hits newer than its own mark (less LOOKBACK) that it has not sent before
(AlertItem), and gets one email if any are left.

Each chunk commits in one transaction: its emails are queued in the outbox (one key per
alert and window), its items recorded and its marks moved, which takes its alerts out of
the due ones; the next chunk is read afresh. A crash loses at most the chunk in progress,
which the next run does again, and a second run finds nothing due. Memory holds one chunk
and one group's results, however many alerts there are.
"""

import datetime
import itertools
import logging
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import translation

from portal.newsletter import outbox

from ..backends import get_search_backend
from ..query import MAX_PAGE_SIZE, InvalidSearch
from . import emails
from .models import AlertItem, SearchAlert, next_due

logger = logging.getLogger(__name__)
DIGEST_SIZE = 20  # results listed in one email; the email links to the search for the rest
LOOKBACK = datetime.timedelta(hours=6)  # indexing lag tolerated
CHUNK = 500  # alerts committed together


def due(now):
    return SearchAlert.objects.filter(stopped_at__isnull=True, next_due_at__lte=now)


@dataclass
class Group:
    """The alerts of one (query, language): its search, run once, and its description."""

    key: tuple
    oldest: datetime.datetime
    results: object = None  # None: the search cannot run (a query no longer valid)
    described: str = ""


def send_due(now, base_url=None):
    """Queue the digests of every due alert as of `now`; returns how many were queued."""
    base_url = (base_url or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    queued, group = 0, None
    while alerts := list(due(now).order_by("query", "language", "pk")[:CHUNK]):
        batch = []
        for key, members in itertools.groupby(alerts, key=lambda a: (a.query, a.language)):
            if group is None or group.key != key:
                group = _open(key, now)
            batch.append((group, list(members)))
        queued += _send_chunk(batch, now, base_url)
    return queued


def _open(key, now):
    query, language = key
    oldest = due(now).filter(query=query, language=language).aggregate(Min("mark"))["mark__min"]
    group = Group(key, oldest)
    try:
        group.results = search(query, language, oldest - LOOKBACK)
    except InvalidSearch as invalid:  # e.g. a language since removed: try again next time
        logger.error("Search alerts: %r (%s) cannot run: %s", query, language, invalid)
        return group
    with translation.override(language):
        group.described = group.results.describe()
    return group


def search(query, language, since):
    """The group's new results, newest first, labelled in its language."""
    alert = SearchAlert(query=query, language=language)
    params = replace(alert.params(), sort="newest", page=1, page_size=MAX_PAGE_SIZE,
                     published_after=since)  # fmt: skip
    with translation.override(language):
        return get_search_backend().search(params)


def _send_chunk(batch, now, base_url):
    """Digests for a chunk of alerts [(group, alerts)], committed together."""
    keys = {hit.key for group, _ in batch if group.results for hit in group.results.hits}
    pks = [alert.pk for _, alerts in batch for alert in alerts]
    sent = set(
        AlertItem.objects.filter(alert_id__in=pks, key__in=keys).values_list("alert_id", "key")
    )
    messages, items, mailed = [], [], []
    for group, alerts in batch:
        for alert in alerts if group.results else ():
            listed, more = _new_for(alert, group, sent)
            if listed:
                payload = emails.digest(alert, listed, group.described, more, base_url)
                messages.append((f"alert:{alert.pk}:{alert.mark.isoformat()}", payload, None))
                items += [AlertItem(alert=alert, key=hit.key, sent_at=now) for hit in listed]
                mailed.append(alert.pk)
    with transaction.atomic():
        queued = outbox.queue_bulk(messages) if messages else 0
        AlertItem.objects.bulk_create(items, batch_size=CHUNK, ignore_conflicts=True)
        SearchAlert.objects.filter(pk__in=mailed).update(last_sent_at=now)
        for frequency in SearchAlert.Frequency.values:
            ran = [a.pk for group, alerts in batch if group.results for a in alerts
                   if a.frequency == frequency]  # fmt: skip
            failed = [a.pk for group, alerts in batch if not group.results for a in alerts
                      if a.frequency == frequency]  # fmt: skip
            later = next_due(frequency, now)
            SearchAlert.objects.filter(pk__in=ran).update(mark=now, next_due_at=later)
            SearchAlert.objects.filter(pk__in=failed).update(next_due_at=later)  # mark kept
    return queued


def _new_for(alert, group, sent):
    """(hits to list, whether there are more) for one alert of its group."""
    new = [
        hit
        for hit in group.results.hits
        if hit.published and hit.published > alert.mark - LOOKBACK
        and (alert.pk, hit.key) not in sent
    ]  # fmt: skip
    truncated = group.results.total > len(group.results.hits) and alert.mark == group.oldest
    return new[:DIGEST_SIZE], len(new) > DIGEST_SIZE or truncated
