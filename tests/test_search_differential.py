"""Differential test: the database backend and a real OpenSearch node agree at scale.

On a generated corpus of 2,000 pages, hundreds of random facet-only and
single-word queries must give both backends the same total and the same count
for every facet value. The contract suite proves the semantics on a small
site; this proves the two implementations count the same on a large one.
"""

import random

import pytest
from django.http import QueryDict

from bench.corpus import VOCABULARY, generate_corpus
from search import indexing
from search.backends.database import DatabaseBackend
from search.facets import FACETS
from search.models import SearchFacetValue
from search.query import SearchParams

from .helpers import fresh_home

pytestmark = pytest.mark.django_db

PAGES = 2000
QUERIES = 240  # half facet-only, half a single word (some of those narrowed by facets too)
SEED = 20261124


def random_queries(rng, values):
    """Query strings: facet-only ones, then single words, alone or with facets."""

    def facets():
        chosen = rng.sample(sorted(values), rng.randint(1, 3))
        pairs = []
        for facet in chosen:
            picks = rng.sample(values[facet], min(len(values[facet]), rng.randint(1, 3)))
            if rng.random() < 0.1:
                # Unknown values match nothing, and must not break counts
                picks.append("no-such-value")
            pairs += [f"{facet}={value}" for value in picks]
        return pairs

    queries = ["&".join(facets()) for _ in range(QUERIES // 2)]
    for _ in range(QUERIES - len(queries)):
        pairs = [f"q={rng.choice(VOCABULARY)}"]
        if rng.random() < 0.4:
            pairs += facets()
        queries.append("&".join(pairs))
    return queries


def facet_values():
    values = {}
    for facet, value in (
        SearchFacetValue.objects.values_list("facet", "value").distinct().order_by("facet", "value")
    ):
        values.setdefault(facet, []).append(value)
    return values


def answer(backend, query):
    raw = backend.execute(SearchParams.from_query_dict(QueryDict(query)))
    return raw.total, {facet.name: dict(raw.facet_counts.get(facet.name, {})) for facet in FACETS}


def test_database_and_opensearch_agree_on_totals_and_facet_counts(use_engine):
    fresh_home()
    corpus = generate_corpus(PAGES, seed=7, index=False)
    documents = indexing.rebuild_store()
    opensearch = use_engine("opensearch")
    assert indexing.rebuild_backend() == documents
    database = DatabaseBackend()

    values = facet_values()
    assert corpus["pages"] == PAGES and len(values["country"]) >= 50 and len(values["study"]) >= 200

    queries = random_queries(random.Random(SEED), values)
    mismatches, nonempty = [], 0
    for query in queries:
        expected, got = answer(database, query), answer(opensearch, query)
        nonempty += expected[0] > 0
        if expected != got:
            differing = [facet for facet in expected[1] if expected[1][facet] != got[1][facet]]
            mismatches.append(
                f"{query}: totals {expected[0]} vs {got[0]}, facets differing: {differing}"
            )

    assert len(queries) >= 200
    assert nonempty >= len(queries) // 2, (
        "most random queries should find something, or the test proves little"
    )
    assert not mismatches, f"{len(mismatches)} of {len(queries)} queries differ:\n" + "\n".join(
        mismatches[:20]
    )
