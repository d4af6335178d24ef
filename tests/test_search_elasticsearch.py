"""Smoke test of the Elasticsearch path on a real node (TEST_ELASTICSEARCH_URL).

The only Elasticsearch Maven Central carries is the integ-test zip, which has
no analysis-common module and so none of the languages' analysers (their stemmer, stop,
elision and asciifolding filters): this runs with the `standard` analyzer on every
language's fields and checks indexing, faceted queries in each language and the client
path, not stemming or folding (OpenSearch covers those in the contract suite).
"""

import io

import pytest
from django.core.management import call_command

from search.backends.database import DatabaseBackend
from search.query import SearchParams

from .helpers import build_trilingual_search_site

pytestmark = pytest.mark.django_db


def test_elasticsearch_indexes_and_answers_faceted_queries(use_engine):
    backend = use_engine("elasticsearch")
    site = build_trilingual_search_site()
    out = io.StringIO()
    call_command("search_index", "rebuild", "--engine-only", stdout=out)
    assert backend.status()["healthy"] and backend.status()["documents"] > 0

    params = SearchParams(filters={"country": ("ML", "RW"), "type": ("study",)}, page_size=100)
    cluster, database = backend.execute(params), DatabaseBackend().execute(params)
    assert cluster.total == database.total == 4, "three studies, and the French translation of one"
    assert cluster.facet_counts == database.facet_counts, "the same multi-select facet counts"
    for language in ("en", "fr", "pt"):
        params = SearchParams(filters={"lang": (language,)}, page_size=100)
        cluster, database = backend.execute(params), DatabaseBackend().execute(params)
        assert cluster.total == database.total and cluster.facet_counts == database.facet_counts
    french = backend.execute(SearchParams(q="évaluation", filters={"lang": ("fr",)}))
    assert [hit.title for hit in french.hits] == ["Évaluation de la politique nationale"]
    assert french.hits[0].language == "fr" and "\ue000" in french.hits[0].highlight["summary"]
    assert not backend.execute(SearchParams(q="évaluation", filters={"lang": ("en",)})).total

    costing = backend.execute(SearchParams(q="costing", page_size=100))
    assert "Costing of iCCM" in {hit.title for hit in costing.hits}
    assert any(
        "\ue000" in (hit.highlight.get("summary", "") + hit.highlight.get("body", ""))
        for hit in costing.hits
    )
    assert not backend.execute(SearchParams(q="costs")).total, (
        "no English stemming on this build (standard analyzer)"
    )
    assert site.article.title in {
        hit.title for hit in backend.execute(SearchParams(page_size=100)).hits
    }
    assert not backend.execute(SearchParams(q="evaluation")).total, "no folding on this build"
