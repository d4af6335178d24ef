"""`search_index verify` finds drift between the pages, the store and the engine's index (by
key and content hash) and `--repair` removes it; on the database and on OpenSearch."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from search import indexing, store
from search.models import SearchDocument

from .helpers import build_search_site, build_trilingual_search_site

pytestmark = pytest.mark.django_db


def verify(*args):
    out = io.StringIO()
    call_command("search_index", "verify", *args, stdout=out)
    return out.getvalue()


def drift_the_store(site):
    """One document missing, one changed, one that should not be there."""
    SearchDocument.objects.filter(key=f"page:{site.s1.pk}").delete()
    SearchDocument.objects.filter(key=f"page:{site.s2.pk}").update(title="Stale title")
    extra = store.load_documents([f"page:{site.s3.pk}"])[f"page:{site.s3.pk}"]
    extra.key = "page:999999"
    store.replace_documents([extra])


def test_no_drift_after_a_rebuild_then_drift_is_reported_and_repaired():
    site = build_trilingual_search_site()
    assert "No drift" in verify()
    drift_the_store(site)
    with pytest.raises(CommandError, match="drifted"):
        verify()
    [drift] = indexing.verify()
    assert drift.missing == [f"page:{site.s1.pk}"]
    assert drift.changed == [f"page:{site.s2.pk}"]
    assert drift.extra == ["page:999999"]
    out = verify("--repair")
    assert "1 missing, 1 extra, 1 changed" in out and "Repaired" in out
    assert "No drift" in verify()
    assert SearchDocument.objects.get(key=f"page:{site.s2.pk}").title == site.s2.title


def test_an_unpublished_page_left_in_the_store_is_extra():
    site = build_search_site()
    type(site.s1).objects.filter(pk=site.s1.pk).update(live=False)  # no signal: drift
    [drift] = indexing.verify()
    assert f"page:{site.s1.pk}" in drift.extra and not drift.missing
    verify("--repair")
    assert not SearchDocument.objects.filter(page_id=site.s1.pk).exists()


def test_the_engines_index_is_compared_and_repaired(use_engine):
    site = build_search_site()
    backend = use_engine("opensearch")
    call_command("search_index", "rebuild", "--engine-only", stdout=io.StringIO())
    assert "No drift" in verify()
    missing = store.load_documents([f"page:{site.s1.pk}"])[f"page:{site.s1.pk}"]
    changed = store.load_documents([f"page:{site.s2.pk}"])[f"page:{site.s2.pk}"]
    backend.client.delete(index=backend.alias, id=missing.key, refresh=True)
    changed.title = "Stale title"
    kept = store.load_documents([f"page:{site.s3.pk}"])[f"page:{site.s3.pk}"]
    extra = store.load_documents([kept.key])[kept.key]
    extra.key = "page:999999"
    backend.index([changed, extra, kept])  # the page's documents that are not listed go
    with pytest.raises(CommandError):
        verify()
    store_drift, engine_drift = indexing.verify()
    assert not store_drift
    assert (engine_drift.missing, engine_drift.changed) == ([missing.key], [changed.key])
    assert engine_drift.extra == ["page:999999"]
    assert "Repaired" in verify("--repair")
    assert "No drift" in verify()
