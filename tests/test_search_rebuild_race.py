"""A rebuild overlapping publishes and unpublishes leaves the store and the index equal to the
live pages, and no publish fails.

The overlap is real: the rebuild runs in a thread of its own (its own database connection)
and pauses at its first progress report, while this thread unpublishes and publishes pages
through Wagtail as an editor would, each change processed after its own commit. Before the
fix, pages unpublished during an engine rebuild stayed in the new index, and on SQLite a
publish during a store rebuild failed on the database lock.
"""

import functools
import threading

import pytest
from django.db import connection
from wagtail.models import Page

from bench.corpus import generate_corpus
from search import indexing
from search.backends import get_search_backend
from search.collect import documents_for, live_indexed_pages
from search.models import ChangeDuringRebuild, IndexRebuild, SearchDocument

from .helpers import fresh_home

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAGES = 200
BATCH = 50  # documents or pages between progress reports, so each rebuild pauses mid-way
CHANGES = 5  # unpublished, and as many published, while the rebuild is paused


def expected_keys():
    """The documents of every live, public, searched page: what the store must hold."""
    return {doc.key for page in live_indexed_pages() for doc in documents_for(page)}


def stored_keys():
    return set(SearchDocument.objects.values_list("key", flat=True))


def indexed_keys(backend):
    backend.client.indices.refresh(index=backend.alias)
    body = {"size": 10_000, "_source": False, "query": {"match_all": {}}}
    return {
        hit["_id"] for hit in backend.client.search(index=backend.alias, body=body)["hits"]["hits"]
    }


def overlap(rebuild, changes):
    """Run `rebuild(progress)` in a thread; at its first progress report it waits while
    `changes()` runs here. Re-raises what either of them raised."""
    paused, resume, failures = threading.Event(), threading.Event(), []

    def progress(done, total):
        if not paused.is_set():
            paused.set()
            resume.wait(60)

    def run():
        try:
            rebuild(progress)
        except Exception as error:  # noqa: BLE001 - handed to the test thread, which raises it
            failures.append(error)
        finally:
            paused.set()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert paused.wait(120), "the rebuild never reported progress"
        changes()
    finally:
        resume.set()
        thread.join(300)
    assert not thread.is_alive(), "the rebuild did not finish"
    if failures:
        raise failures[0]


@pytest.fixture
def corpus():
    """A generated site, its store built, with CHANGES pages taken down to publish later."""
    fresh_home()
    generate_corpus(PAGES, seed=3, index=False)
    findings = list(Page.objects.live().filter(content_type__model="findingspage").order_by("pk"))[
        : CHANGES * 4
    ]
    to_publish = [page.specific for page in findings[CHANGES * 3 :]]
    for page in to_publish:
        page.unpublish()
    indexing.rebuild_store()
    return {"findings": [page.specific for page in findings], "to_publish": to_publish}


def edit(pages_to_unpublish, pages_to_publish):
    def changes():
        for page in pages_to_unpublish:
            page.unpublish()  # processed after its own commit, as in the admin
        for page in pages_to_publish:
            page.save_revision().publish()

    return changes


def test_store_rebuild_overlapping_changes(corpus):
    """Pages -> store, while pages change: the store ends equal to the live pages."""
    before = expected_keys()
    unpublish = corpus["findings"][:CHANGES]
    rebuild = functools.partial(indexing.rebuild_store, batch_size=BATCH)
    overlap(rebuild, edit(unpublish, corpus["to_publish"]))
    assert not any(page.live for page in Page.objects.filter(pk__in=[p.pk for p in unpublish]))
    assert all(
        page.live for page in Page.objects.filter(pk__in=[p.pk for p in corpus["to_publish"]])
    )
    assert expected_keys() != before, "the changes did change what is live"
    assert stored_keys() == expected_keys()


def test_engine_rebuild_overlapping_changes(corpus, use_engine):
    """`search_index rebuild` with OpenSearch while pages change, in both of its phases:
    the store and the new index end equal to the live pages."""
    backend = use_engine("opensearch")
    backend.progress_every = BATCH
    indexing.rebuild_backend()  # the old index, which the rebuild replaces
    findings = corpus["findings"]
    unpublish_early, unpublish_late = findings[:CHANGES], findings[CHANGES : CHANGES * 2]
    publish = corpus["to_publish"]

    def rebuild(progress):
        indexing.rebuild_store(batch_size=BATCH)
        indexing.rebuild_backend(progress=progress)  # pauses while the index fills

    overlap(rebuild, edit(unpublish_early + unpublish_late, publish))
    assert get_search_backend().alias == backend.alias
    live = expected_keys()
    assert stored_keys() == live
    assert indexed_keys(backend) == live, "the new index holds exactly the live pages"
    assert not IndexRebuild.running().exists() and not ChangeDuringRebuild.objects.exists()
