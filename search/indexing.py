"""Keeping the document store and the cluster right as content changes.

A change queues its page in PendingIndexUpdate inside the editor's own
transaction, so the request to re-index commits (or rolls back) with the
content. After the commit the queue is processed: the page's documents are
rebuilt in the store and, with a cluster configured, sent there. A failure
leaves the row queued with the error and a later retry time; `search_index
sync` (run it periodically) and every later successful update drain it.
"""

import dataclasses
import hashlib
import json
import logging

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from portal.retry import RetryPolicy

from . import store, vocabulary
from .backends import get_search_backend
from .backends.base import BackendUnavailable
from .collect import documents_for_pages, live_indexed_pages
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
    # One upsert: a worker busy with an older change keeps going; this one is free to run at once.
    PendingIndexUpdate.objects.bulk_create(
        [
            PendingIndexUpdate(
                key=f"page:{page_id}", requested_at=now, next_attempt_at=now, claimed_until=None
            )
            for page_id in sorted(page_ids)
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["requested_at", "next_attempt_at", "claimed_until"],
        batch_size=500,
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


def rebuild_store(progress=None, batch_size=500):
    """Rewrite every document in the store from the live, public pages; return the count.

    A batch at a time, each in a short transaction that writes first and then reads its
    pages (locked on PostgreSQL): a publish or unpublish meanwhile waits for the batch and
    then updates the store itself, so neither overwrites the other with what it read before,
    and on SQLite no publish waits for the whole rebuild. Readers keep the old documents
    until their page's batch replaces them; what no batch rewrote is removed at the end.
    """
    started = timezone.now()
    page_ids = list(live_indexed_pages().order_by("pk").values_list("pk", flat=True))
    vocabulary.clear()  # each batch counts its documents' words again
    count = 0
    for start in range(0, len(page_ids), batch_size):
        count += _rebuild_batch(page_ids[start : start + batch_size])
        if progress:
            progress(min(start + batch_size, len(page_ids)), len(page_ids))
    store.delete_documents(SearchDocument.objects.filter(indexed_at__lt=started), counted=False)
    store.analyse()
    return count


@transaction.atomic
def _rebuild_batch(page_ids):
    # Lock, first; the vocabulary was cleared and counts only what the rebuild writes.
    store.delete_documents(SearchDocument.objects.filter(page_id__in=page_ids), counted=False)
    list(Page.objects.filter(pk__in=page_ids).select_for_update().values_list("pk"))
    pages = live_indexed_pages(specific=False).filter(pk__in=page_ids)
    docs = documents_for_pages(pages, known_public=True)
    return len(store.replace_documents(docs))


def stored_documents(chunk_size=2000):
    """Every stored document, as the cluster receives it, in chunks (for rebuilds)."""
    last = 0
    while last is not None:
        documents, last = store.documents_after(last, chunk_size)
        yield from documents


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


# --- Verifying (`search_index verify`) ---------------------------------------------------


@dataclasses.dataclass
class Drift:
    """How one copy of the documents differs from what the pages give now, by key."""

    where: str
    missing: list = dataclasses.field(default_factory=list)
    extra: list = dataclasses.field(default_factory=list)
    changed: list = dataclasses.field(default_factory=list)
    checked: int = 0

    def __bool__(self):
        return bool(self.missing or self.extra or self.changed)


def content_hash(source):
    """A document's fingerprint: its `_source` (what the cluster holds), canonical JSON."""
    text = json.dumps(source, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()


def expected_documents(batch_size=500):
    """{key: Document} of every live, public, searchable page, built as a rebuild does."""
    pages = live_indexed_pages(specific=False)
    page_ids = list(pages.order_by("pk").values_list("pk", flat=True))
    found = {}
    for start in range(0, len(page_ids), batch_size):
        batch = pages.filter(pk__in=page_ids[start : start + batch_size])
        found.update((doc.key, doc) for doc in documents_for_pages(batch, known_public=True))
    return found


def _compare(where, expected, held):
    """`held`: {key: content hash}."""
    drift = Drift(where, checked=len(held))
    for key, doc in expected.items():
        if key not in held:
            drift.missing.append(key)
        elif held[key] != content_hash(doc.as_source()):
            drift.changed.append(key)
    drift.extra = sorted(set(held) - set(expected))
    return drift


def _stored_hashes():
    hashes, last = {}, 0
    while last is not None:
        documents, last = store.documents_after(last, 2000)
        hashes.update((doc.key, content_hash(doc.as_source())) for doc in documents)
    return hashes


def _cluster_sources(backend, page_size=2000):
    """{key: _source} of every document behind the cluster's alias, by `search_after` on key."""
    if not backend.aliased_indices():
        return {}
    sources, after = {}, None
    while True:
        body = {"query": {"match_all": {}}, "sort": [{"key": "asc"}], "size": page_size}
        if after is not None:
            body["search_after"] = after
        hits = backend.call(backend.client.search, index=backend.alias, body=body)["hits"]["hits"]
        if not hits:
            return sources
        sources.update((hit["_id"], hit["_source"]) for hit in hits)
        after = hits[-1]["sort"]


def verify(repair=False):
    """Compare the store and, with a cluster, its index with what the pages give now; with
    `repair`, write what is missing or changed and delete what is extra. Returns the drifts
    found (before any repair)."""
    expected = expected_documents()
    drifts = [_compare("store", expected, _stored_hashes())]
    backend = get_search_backend()
    sources = {}
    if backend.uses_queue:
        sources = _cluster_sources(backend)
        held = {key: content_hash(source) for key, source in sources.items()}
        drifts.append(_compare(backend.label, expected, held))
    if repair:
        store_drift = drifts[0]
        if store_drift:
            writes = [expected[key] for key in (*store_drift.missing, *store_drift.changed)]
            store.replace_documents(writes, stale_keys=store_drift.extra)
        for drift in drifts[1:]:
            if drift:
                keys = {*drift.missing, *drift.changed}
                pages = {expected[key].page_id for key in keys}
                pages |= {sources[key]["page_id"] for key in drift.extra}
                documents = [doc for doc in expected.values() if doc.page_id in pages]
                backend.index(documents, deleted_page_ids=pages)
    return drifts
