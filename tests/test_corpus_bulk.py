"""The bulk-inserted corpus is a tree Wagtail and treebeard accept, its pages serve and are
searched, and the rebuild's batched documents are the ones built a page at a time."""

import pytest
from wagtail.models import Page

from bench.corpus import clear_corpus, generate_corpus
from bench.corpus_data import PREFIX
from research.models import FindingsPage, StudyPage
from search import indexing
from search.backends import get_search_backend
from search.collect import documents_for, documents_for_pages, live_indexed_pages
from search.models import PendingIndexUpdate, SearchDocument
from search.query import SearchParams

from .factories import ResearchAreaIndexPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(home):
    ResearchAreaIndexPageFactory(parent=home)
    return generate_corpus(3 * 40, seed=5, languages=["en", "fr", "pt"], index=False)


def test_the_tree_is_valid_and_every_page_is_where_its_path_says(corpus, home):
    assert Page.find_problems() == ([], [], [], [], [])
    pages = Page.objects.filter(title__startswith=PREFIX)
    assert pages.count() == sum(corpus["languages"].values())
    by_path = dict(Page.objects.values_list("path", "url_path"))
    for page in pages:
        parent_url = by_path[page.path[: -Page.steplen]]
        assert page.url_path == f"{parent_url}{page.slug}/" and page.depth == len(page.path) // 4
        assert page.live and not page.has_unpublished_changes and page.draft_title == page.title
    assert pages.filter(locale__language_code="fr").count() == corpus["languages"]["fr"]


def test_pages_are_specific_with_their_rows_and_serve(corpus, client):
    study = StudyPage.objects.filter(title__startswith=PREFIX, locale__language_code="en").first()
    assert study.locations.exists() and study.objectives.exists() and study.topics.exists()
    assert study.specific_class is StudyPage and study.page_ptr_id == study.pk
    findings = FindingsPage.objects.filter(title__startswith=PREFIX).first()
    assert findings.studies.exists()
    for page in (study, findings):
        response = client.get(page.url)
        assert response.status_code == 200 and page.title in response.content.decode()


def test_batched_documents_are_the_ones_built_a_page_at_a_time(corpus):
    one_by_one = [
        doc for page in live_indexed_pages() for doc in documents_for(page, known_public=True)
    ]
    batched = documents_for_pages(live_indexed_pages(specific=False), known_public=True)
    assert len(batched) == len(one_by_one) > 100
    assert sorted(batched, key=lambda d: d.key) == sorted(one_by_one, key=lambda d: d.key)


def test_the_rebuilt_store_finds_the_corpus_and_clear_queues_its_removal(corpus):
    count = indexing.rebuild_store()
    assert count == SearchDocument.objects.count()
    study = StudyPage.objects.filter(title__startswith=PREFIX, locale__language_code="en").first()
    hits = get_search_backend().search(SearchParams(q=study.title.removeprefix(PREFIX))).hits
    assert study.title in [hit.title for hit in hits]
    stored = set(SearchDocument.objects.values_list("page_id", flat=True))
    clear_corpus()
    assert not Page.objects.filter(title__startswith=PREFIX).exists()
    assert Page.find_problems() == ([], [], [], [], [])
    queued = {
        int(key.split(":")[1]) for key in PendingIndexUpdate.objects.values_list("key", flat=True)
    }
    synthetic_with_documents = stored - set(Page.objects.values_list("pk", flat=True))
    assert synthetic_with_documents and synthetic_with_documents <= queued
    assert not SearchDocument.objects.filter(page_id__in=synthetic_with_documents).exists()
