"""Differential test: the database backend and a real OpenSearch node agree at scale, in
three languages.

On a generated trilingual corpus of 2,001 pages (667 in each of English, French and
Portuguese: the English pages translated page for page, bench/corpus.py), hundreds of
random facet-only and single-word queries, in every language and with or without `lang`,
must give both backends the same total and the same count for every facet value. And on
each backend the counts add up in each language: the language facet's count of a language
is the total of the same search in that language alone, and the type facet's counts add up
to it. The contract suite proves the semantics on a small site; this proves the two
implementations count the same on a large one.
"""

import random

import pytest
from django.http import QueryDict

from bench.corpus import generate_corpus
from bench.corpus_data import VOCABULARIES
from search import indexing, languages
from search.backends.database import DatabaseBackend
from search.facets import FACETS
from search.models import SearchFacetValue
from search.query import SearchParams

from .helpers import fresh_home

pytestmark = pytest.mark.django_db

PAGES = 2001
LANGUAGES = ["en", "fr", "pt"]
QUERIES = 240  # half facet-only, half a single word (some of those narrowed by facets too)
ADDING_UP = 30  # queries whose counts are checked language by language, on both backends
SEED = 20261124


def random_queries(rng, values):
    """Query strings: facet-only ones, then single words of each language, accented or
    folded, alone or with facets (`lang` is a facet among the others)."""

    def facets():
        chosen = rng.sample(sorted(values), rng.randint(1, 3))
        pairs = []
        for facet in chosen:
            picks = rng.sample(values[facet], min(len(values[facet]), rng.randint(1, 3)))
            if rng.random() < 0.1 and facet != "lang":  # an unknown language is a 400
                # Unknown values match nothing, and must not break counts
                picks.append("no-such-value")
            pairs += [f"{facet}={value}" for value in picks]
        return pairs

    queries = ["&".join(facets()) for _ in range(QUERIES // 2)]
    for _ in range(QUERIES - len(queries)):
        word = rng.choice(VOCABULARIES[rng.choice(LANGUAGES)])
        if rng.random() < 0.3:
            word = languages.fold(word)  # typed without its accents
        pairs = [f"q={word}"]
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


def adding_up(backend, query):
    """What does not add up, language by language, for a query without `lang`."""
    total, counts = answer(backend, query)
    problems = []
    if sum(counts["lang"].values()) != total:
        problems.append(f"languages count {sum(counts['lang'].values())}, total {total}")
    for code in LANGUAGES:
        alone, alone_counts = answer(backend, f"{query}&lang={code}")
        if alone != counts["lang"].get(code, 0):
            problems.append(f"{code}: {alone} alone, {counts['lang'].get(code, 0)} counted")
        # single-valued, so its counts add up to the total (when not counted without its own
        # selection)
        if "type=" not in query and sum(alone_counts["type"].values()) != alone:
            problems.append(f"{code}: types add up to {sum(alone_counts['type'].values())}")
    return problems


def test_database_and_opensearch_agree_in_every_language(use_engine):
    fresh_home()
    corpus = generate_corpus(PAGES, seed=7, index=False, languages=LANGUAGES)
    documents = indexing.rebuild_store()
    opensearch = use_engine("opensearch")
    assert indexing.rebuild_backend() == documents
    database = DatabaseBackend()

    values = facet_values()
    assert corpus["pages"] >= 2000 and sorted(corpus["languages"]) == LANGUAGES
    assert values["lang"] == LANGUAGES
    assert len(values["country"]) >= 50 and len(values["study"]) >= 60

    queries = random_queries(random.Random(SEED), values)
    mismatches, nonempty, languages_found = [], 0, set()
    for query in queries:
        expected, got = answer(database, query), answer(opensearch, query)
        nonempty += expected[0] > 0
        languages_found |= {code for code, count in expected[1]["lang"].items() if count}
        if expected != got:
            differing = [facet for facet in expected[1] if expected[1][facet] != got[1][facet]]
            mismatches.append(
                f"{query}: totals {expected[0]} vs {got[0]}, facets differing: {differing}"
            )

    assert len(queries) >= 200
    assert nonempty >= len(queries) // 2, (
        "most random queries should find something, or the test proves little"
    )
    assert languages_found == set(LANGUAGES)
    assert not mismatches, f"{len(mismatches)} of {len(queries)} queries differ:\n" + "\n".join(
        mismatches[:20]
    )

    unfiltered = [query for query in queries if "lang=" not in query]
    words = [query for query in unfiltered if query.startswith("q=")]
    unfiltered = words[: ADDING_UP // 2] + unfiltered[: ADDING_UP // 2]  # words, then facets
    assert len(unfiltered) == ADDING_UP
    problems = [
        f"{backend.label} {query}: {problem}"
        for query in unfiltered
        for backend in (database, opensearch)
        for problem in adding_up(backend, query)
    ]
    assert not problems, "\n".join(problems[:20])
