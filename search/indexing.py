"""Keeping the document store and the cluster right as content changes.

A change queues its page in PendingIndexUpdate inside the editor's own
transaction, so the request to re-index commits (or rolls back) with the
content. After the commit the queue is processed: the page's documents are
rebuilt in the store and, with a cluster configured, sent there. A failure
leaves the row queued with the error and a later retry time; `search_index
sync` (run it periodically) and every later successful update drain it.
"""

import logging

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from portal.retry import RetryPolicy

from . import store
from .backends import get_search_backend
from .backends.base import BackendUnavailable
from .documents import documents_for, live_indexed_pages
from .models import (
    ChangeDuringRebuild,
    IndexRebuild,
    PendingIndexUpdate,
    SearchDocument,
    SearchFacetValue,
)

logger = logging.getLogger(__name__)

POLICY = RetryPolicy(backoff=(5, 30, 120, 600, 1800), then=3600, claim_seconds=120)
IN_REQUEST_LIMIT = 100  # larger batches (a moved section) finish in `search_index sync`


def request_update(page_ids):
    """Queue pages for re-indexing in the current transaction; processed once it commits."""
    page_ids = set(page_ids)
    if not page_ids:
        return
    now = timezone.now()
    for page_id in page_ids:
        PendingIndexUpdate.objects.update_or_create(
            key=f"page:{page_id}",
            # A worker busy with an older change keeps going; this one is free to run at once.
            defaults={"requested_at": now, "next_attempt_at": now, "claimed_until": None},
        )
    # One callback per call: after the first has run, the others find nothing due.
    transaction.on_commit(_process_after_commit)


def _process_after_commit():
    try:
        process_pending(limit=IN_REQUEST_LIMIT)
    except Exception:  # never fail the editor's request: the queue keeps the work
        logger.exception("Search index update failed; it stays queued for `search_index sync`.")


def pages_referencing(facet, values):
    """Pages whose documents carry any of these facet values (a study's outputs, the pages on
    a country)."""
    return set(
        SearchFacetValue.objects.filter(facet=facet, value__in=values).values_list(
            "document__page_id", flat=True
        )
    )


def process_pending(limit=500, now=None):
    """Process due queue rows; return (done, failed) counts."""
    now = now or timezone.now()
    due = list(PendingIndexUpdate.objects.filter(next_attempt_at__lte=now)[:limit])
    rows = [row for row in due if POLICY.claim(PendingIndexUpdate.objects, row.pk, now)]
    if not rows:
        return 0, 0
    backend = get_search_backend()
    documents, deleted_pages, handled, failed = [], set(), [], []
    for row in rows:
        page_id = _page_id(row)
        try:
            with transaction.atomic():
                page = Page.objects.filter(pk=page_id).first()
                keys = store.sync_page(page) if page else store.delete_page(page_id)
        except Exception as error:  # a page that cannot be indexed must not block the others
            logger.exception("Could not build search documents for page %s", page_id)
            failed.append((row, f"{type(error).__name__}: {error}"))
            continue
        handled.append(row)
        if backend.uses_queue:
            found = store.load_documents(keys).values() if keys else []
            documents.extend(found)
            if not found:
                deleted_pages.add(page_id)

    if backend.uses_queue and handled:
        _record_for_rebuilds(handled)
        try:
            if not backend.available:
                raise BackendUnavailable("the cluster failed recently; waiting before trying again")
            backend.index(documents, deleted_page_ids=deleted_pages)
        except BackendUnavailable as error:
            failed.extend((row, str(error)) for row in handled)
            handled = []

    for row in handled:  # a newer change queued meanwhile keeps its row, for its own worker
        PendingIndexUpdate.objects.filter(pk=row.pk, requested_at=row.requested_at).delete()
    for row, error in failed:
        PendingIndexUpdate.objects.filter(pk=row.pk).update(
            **POLICY.failure(row.attempts + 1, error)
        )
    if failed:
        logger.warning(
            "Search index: %s update(s) failed and stay queued: %s", len(failed), failed[0][1]
        )
    return len(handled), len(failed)


def _record_for_rebuilds(rows):
    """A rebuild filling a new index would miss these updates (they go to the old one): record
    them for it. Asked after the store has them, so a rebuild that starts later reads them."""
    changes = [
        ChangeDuringRebuild(rebuild_id=rebuild, page_id=_page_id(row))
        for rebuild in IndexRebuild.running().values_list("pk", flat=True)
        for row in rows
    ]
    ChangeDuringRebuild.objects.bulk_create(changes)


def _page_id(row):
    return int(row.key.split(":", 1)[1])  # queue keys are "page:<id>"


def retry_now():
    """Make every queued update due (after an outage, so sync does not wait for backoff)."""
    return PendingIndexUpdate.objects.update(next_attempt_at=timezone.now())


def rebuild_store(progress=None, batch_size=200):
    """Rewrite every document in the store from the live, public pages; return the count.

    A batch at a time, each in a short transaction that writes first and then reads its
    pages (locked on PostgreSQL): a publish or unpublish meanwhile waits for the batch and
    then updates the store itself, so neither overwrites the other with what it read before,
    and on SQLite no publish waits for the whole rebuild. Readers keep the old documents
    until their page's batch replaces them; what no batch rewrote is removed at the end.
    """
    started = timezone.now()
    page_ids = list(live_indexed_pages().order_by("pk").values_list("pk", flat=True))
    count = 0
    for start in range(0, len(page_ids), batch_size):
        count += _rebuild_batch(page_ids[start : start + batch_size])
        if progress:
            progress(min(start + batch_size, len(page_ids)), len(page_ids))
    SearchDocument.objects.filter(indexed_at__lt=started).delete()
    store.analyse()
    return count


@transaction.atomic
def _rebuild_batch(page_ids):
    SearchDocument.objects.filter(page_id__in=page_ids).delete()  # the write lock, first
    list(Page.objects.filter(pk__in=page_ids).select_for_update().values_list("pk"))
    docs = [
        doc
        for page in live_indexed_pages().filter(pk__in=page_ids)
        for doc in documents_for(page, known_public=True)
    ]
    return len(store.replace_documents(docs))


def stored_documents(chunk_size=2000):
    """Every stored document, as the cluster receives it, in chunks (for rebuilds)."""
    keys = list(SearchDocument.objects.order_by("pk").values_list("key", flat=True))
    for start in range(0, len(keys), chunk_size):
        yield from store.load_documents(keys[start : start + chunk_size]).values()


def rebuild_backend(progress=None):
    """Rebuild the configured engine's index from the store; return how many were indexed.

    Updates made while the new index fills go to the old one; they are recorded
    (ChangeDuringRebuild) and, once the alias points at the new index, sent again from
    the store, until none is left. Later updates reach the new index themselves.
    """
    backend = get_search_backend()
    if not backend.uses_queue:
        return backend.rebuild(stored_documents(), SearchDocument.objects.count(), progress)
    rebuild = IndexRebuild.objects.create()
    try:
        count = backend.rebuild(stored_documents(), SearchDocument.objects.count(), progress)
        while changes := list(rebuild.changes.all()[:500]):
            page_ids = {change.page_id for change in changes}
            keys = SearchDocument.objects.filter(page_id__in=page_ids).values_list("key", flat=True)
            backend.index(list(store.load_documents(list(keys)).values()), page_ids)
            ChangeDuringRebuild.objects.filter(pk__in=[change.pk for change in changes]).delete()
    finally:
        IndexRebuild.objects.filter(pk=rebuild.pk).update(finished_at=timezone.now())
    return count
