"""The index follows publishing: queued in the editor's transaction, applied after commit,
retried after an outage. Cluster cases run on a real OpenSearch node (TEST_OPENSEARCH_URL)."""

import io
import os
import socket
import subprocess
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from search.backends import get_search_backend
from search.models import PendingIndexUpdate, SearchDocument
from search.query import SearchParams

from .factories import FindingsPageFactory
from .helpers import build_search_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return build_search_site()


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Run `action` the way a request does: commit, then the on-commit index update."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def found(title, **params):
    results = get_search_backend().search(SearchParams(q=title, page_size=100, **params))
    return [hit for hit in results.hits if hit.title == title]


def fresh(page):
    """The page as stored now (publishing works on its own copy)."""
    return type(page).objects.get(pk=page.pk)


def new_draft(site, title="Community supervision findings"):
    page = FindingsPageFactory(parent=site.publications, title=title, live=False, studies=[site.s1])
    page.save_revision()
    return page


def test_publish_unpublish_move_delete(site, publish):
    page = new_draft(site)
    assert not found(page.title)
    publish(lambda: page.get_latest_revision().publish())
    [hit] = found(page.title)
    assert [code for code, _ in hit.countries] == ["MW", "RW"], "inherited from its study"
    publish(lambda: fresh(page).move(site.area, pos="last-child"))
    [hit] = found(page.title)
    assert hit.url.startswith(site.area.url)
    publish(lambda: fresh(page).unpublish())
    assert not found(page.title)
    publish(lambda: page.get_latest_revision().publish())
    assert found(page.title)
    publish(lambda: fresh(page).delete())
    assert not found(page.title)
    assert not PendingIndexUpdate.objects.exists()


def test_a_rolled_back_change_queues_nothing(site):
    page = new_draft(site)
    with pytest.raises(RuntimeError), transaction.atomic():
        page.get_latest_revision().publish()
        assert PendingIndexUpdate.objects.filter(key=f"page:{page.pk}").exists(), (
            "queued in the same transaction"
        )
        raise RuntimeError("the editor's request failed")
    assert not PendingIndexUpdate.objects.filter(key=f"page:{page.pk}").exists()


def test_private_pages_leave_the_index(site, publish):
    publish(
        lambda: PageViewRestriction.objects.create(
            page=site.s1, restriction_type=PageViewRestriction.LOGIN
        )
    )
    assert not found("Costing of iCCM")


def test_taxonomy_renames_reach_the_documents(site, publish):
    def rename():
        site.mali.code, site.mali.name = "MA", "Republic of Mali"
        site.mali.save()

    publish(rename)
    results = get_search_backend().search(SearchParams(filters={"country": ("MA",)}, page_size=100))
    assert "Improving Data for iCCM" in {hit.title for hit in results.hits}
    assert found("Policy Analysis of iCCM", filters={"country": ("MA",)})
    republic = get_search_backend().search(SearchParams(q="republic", page_size=100))
    assert {hit.title for hit in republic.hits} == {
        "Community Case Management",
        "Improving Data for iCCM",
        "Policy Analysis of iCCM",
        "Data quality lessons",
        "Health Policy and Planning Supplement",
        "Child mortality brief",
    }, "the new name is searchable on each page tagged with it (articles carry no country text)"


def test_study_changes_reach_their_outputs(site, publish):
    def rename():
        site.s1.slug = "costing-study"
        site.s1.save_revision().publish()

    publish(rename)
    results = get_search_backend().search(
        SearchParams(filters={"study": ("costing-study",)}, page_size=100)
    )
    assert {"Costing of iCCM", "Development of a Costing and Financing Tool"} <= {
        hit.title for hit in results.hits
    }


def test_labels_are_cached_and_follow_a_rename(site, publish):
    """Countries' names and studies' titles are read from a cache on each search (a third of
    an answer's time was labelling them) and read afresh once one changes."""

    def labels():
        results = get_search_backend().search(SearchParams(filters={"country": ("ML",)}))
        country = {v.value: v.label for v in results.facets["country"]}["ML"]
        return country, {v.label for v in results.facets["study"]}

    assert labels()[0] == "Mali"
    with CaptureQueriesContext(connection) as counted:
        labels()
    read = [q["sql"] for q in counted.captured_queries]
    assert not [sql for sql in read if "research_country" in sql or "research_topic" in sql]

    def rename():
        site.mali.name = "Republic of Mali"
        site.mali.save()
        site.s1.title = "Costing the iCCM programme"
        site.s1.save_revision().publish()

    publish(rename)
    country, studies = labels()
    assert country == "Republic of Mali"
    assert "Costing the iCCM programme" in studies


# --- a real cluster -------------------------------------------------------------------


def cluster_titles(backend, **params):
    return {hit.title for hit in backend.execute(SearchParams(page_size=100, **params)).hits}


def test_rebuild_swaps_the_alias_and_reports(site, use_engine):
    backend = use_engine("opensearch")
    out = io.StringIO()
    call_command("search_index", "rebuild", stdout=out)
    first = backend.aliased_indices()
    call_command("search_index", "rebuild", stdout=out)
    second = backend.aliased_indices()
    assert len(first) == len(second) == 1 and first != second, (
        "a new versioned index behind the alias"
    )
    assert not backend.client.indices.exists(index=first[0]), "the old index is dropped"
    assert f"{SearchDocument.objects.count()} documents indexed" in out.getvalue()
    status = io.StringIO()
    call_command("search_index", "status", stdout=status)
    assert "Health: healthy" in status.getvalue() and "Pending updates: 0" in status.getvalue()
    assert f"{SearchDocument.objects.count()} in the index" in status.getvalue()


def test_cluster_follows_publishing(site, use_engine, publish):
    backend = use_engine("opensearch")
    call_command("search_index", "rebuild", "--engine-only", stdout=io.StringIO())
    page = new_draft(site)
    publish(lambda: page.get_latest_revision().publish())
    assert page.title in cluster_titles(backend)
    publish(lambda: fresh(page).unpublish())
    assert page.title not in cluster_titles(backend)


class BlackHole:
    """A TCP server that accepts connections and never answers: a cluster slower than any
    timeout."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.clients = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.clients.append(self.server.accept()[0])
            except OSError:
                return

    def close(self):
        self.server.close()
        for client in self.clients:
            client.close()


def closed_port():
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[1]


@pytest.mark.parametrize("fault", ["refused", "slow"])
def test_outage_answers_from_the_database_and_loses_no_update(
    site, use_engine, settings, publish, client, fault
):
    backend = use_engine("opensearch")
    call_command("search_index", "rebuild", "--engine-only", stdout=io.StringIO())
    real = settings.PORTAL_SEARCH
    hole = BlackHole() if fault == "slow" else None
    url = f"http://127.0.0.1:{hole.port if hole else closed_port()}"
    try:
        settings.PORTAL_SEARCH = {
            **real,
            "OPTIONS": {**real["OPTIONS"], "URL": url, "TIMEOUT": 0.5},
        }
        data = client.get("/api/search/", {"country": "ML"}).json()
        assert (data["fallback"], data["backend"], data["total"]) == (True, "database", 7)
        assert "not answering" in client.get("/search/", {"q": "costing"}).content.decode()
        page = new_draft(site, "Published during the outage")
        publish(lambda: page.get_latest_revision().publish())
        row = PendingIndexUpdate.objects.get(key=f"page:{page.pk}")
        assert row.attempts == 1 and row.last_error
        assert found(page.title), "the database store already has it"
    finally:
        if hole:
            hole.close()
    settings.PORTAL_SEARCH = real  # the cluster is back
    call_command("search_index", "sync", "--now", stdout=io.StringIO())
    assert not PendingIndexUpdate.objects.exists()
    assert "Published during the outage" in cluster_titles(get_search_backend())
    assert backend.alias == get_search_backend().alias


ENGINE_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "scripts", "search-engine.sh")


@pytest.mark.skipif(
    not os.environ.get("TEST_ENGINE_RESTART"), reason="set TEST_ENGINE_RESTART=1 (CI does)"
)
def test_killing_the_engine_mid_test(site, use_engine, publish, client):
    """Stop the real node, publish and search, start it again: the update reaches the index."""
    use_engine("opensearch", RETRY_AFTER=0)
    call_command("search_index", "rebuild", "--engine-only", stdout=io.StringIO())
    subprocess.run(
        ["bash", ENGINE_SCRIPT, "stop", "opensearch"], check=True, capture_output=True, timeout=120
    )
    try:
        assert client.get("/api/search/", {"q": "costing"}).json()["fallback"] is True
        page = new_draft(site, "Published while the engine was down")
        publish(lambda: page.get_latest_revision().publish())
        assert PendingIndexUpdate.objects.filter(key=f"page:{page.pk}").exists()
    finally:
        subprocess.run(
            ["bash", ENGINE_SCRIPT, "start", "opensearch"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    # The node starts empty (the script wipes its data), so rebuild first, as an operator would.
    call_command("search_index", "rebuild", "--engine-only", stdout=io.StringIO())
    call_command("search_index", "sync", "--now", stdout=io.StringIO())
    assert "Published while the engine was down" in cluster_titles(get_search_backend())
    assert client.get("/api/search/", {"q": "costing"}).json()["fallback"] is False


@pytest.mark.parametrize("engine", ["opensearch", "elasticsearch"])
def test_a_search_the_engine_refuses_inside_its_multi_search_falls_back(
    site, use_engine, client, engine
):
    """The hits and the counts go in one _msearch, which answers 200 even when each of its
    searches failed (here: no index behind the alias). That must trip the breaker and answer
    from the database, as a refused connection does, never a 500 or an empty result."""
    backend = use_engine(engine)
    assert not backend.client.indices.exists_alias(name=backend.alias)
    data = client.get("/api/search/", {"country": "ML"}).json()
    assert (data["fallback"], data["backend"], data["total"]) == (True, "database", 7)
    assert not backend.available, "the breaker is open: readers do not each wait for it"


class Unmapped:
    """A document the index's strict mapping refuses."""

    key = "unmapped"

    def as_source(self):
        return {"not_a_field": 1}


@pytest.mark.parametrize("engine", ["opensearch", "elasticsearch"])
def test_a_rebuild_sends_its_chunks_in_flight_and_fails_whole_on_a_refused_one(
    site, use_engine, engine
):
    from search import indexing
    from search.backends.base import BackendUnavailable

    backend = use_engine(engine, BULK_THREADS=2)
    backend.bulk_chunk = 2  # several requests in flight over the small site
    stored = list(indexing.stored_documents())
    assert len(stored) > 3 * backend.bulk_chunk
    assert backend.rebuild(iter(stored), len(stored)) == len(stored)
    (index,) = backend.aliased_indices()
    backend.client.indices.refresh(index=index)
    assert backend.client.count(index=backend.alias)["count"] == len(stored)
    hits = backend.execute(SearchParams(page_size=100)).hits
    assert {hit.key for hit in hits} == {doc.key for doc in stored}

    refused = [*stored[:5], Unmapped(), *stored[5:]]  # in the third chunk
    with pytest.raises(BackendUnavailable):
        backend.rebuild(iter(refused), len(refused))
    assert backend.aliased_indices() == [index], "the alias stays on the complete index"
    assert backend.client.indices.get(index=f"{backend.alias}-*").keys() == {index}
