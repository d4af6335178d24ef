"""Relevance measured on a judged query set (tests/data/judged_queries.json): nDCG@10 and MRR
for each backend, printed, failing below a floor set from the first honest run; and each of
the search features (the PDFs' text, synonyms, promotions) raises the figures or leaves them.

The corpus: the demo with its French and Portuguese translations (the seed's facts) among
a generated synthetic corpus (bench/corpus.py) in the three languages, as distractors."""

import itertools
import json
import math
from pathlib import Path

import pytest
from django.db import connection
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import Page

from bench.corpus import generate_corpus
from portal.attachments import extraction
from search import synonyms
from search.backends import get_search_backend
from search.models import Synonym
from search.query import SearchParams

from .helpers import loaded_once, reindex

JUDGED = json.loads((Path(__file__).parent / "data" / "judged_queries.json").read_text())
SYNTHETIC_PAGES = 270  # 90 in each language
# From the first honest run (2026-12-03), a little below what each backend scored with every
# feature on: a change that costs relevance fails here.
FLOORS = {  # backend: (nDCG@10, MRR), each about 0.02 below the first run's
    "sqlite": (0.78, 0.82),  # measured 0.807, 0.846
    "postgresql": (0.82, 0.87),  # 0.840, 0.896
    "opensearch": (0.79, 0.83),  # 0.815, 0.854
    "elasticsearch": (0.78, 0.82),  # 0.799, 0.844 (the standard analyser: see below)
}


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    with loaded_once(django_db_blocker):  # the demo, translations too
        with django_db_blocker.unblock():
            generate_corpus(SYNTHETIC_PAGES, seed=5, languages=("en", "fr", "pt"), index=False)
        yield


def ranking(query):
    """Titles as a reader sees them: the promotions, then the first ten hits."""
    params = SearchParams(
        q=query["q"],
        filters={"lang": (query["lang"],)},
        defaulted=frozenset({"lang"}),  # the page's language, as /fr/search/ gives it
        page_size=10,
    )
    results = get_search_backend().search(params)
    return [item.title for item in results.promoted] + [hit.title for hit in results.hits]


def scores(query, titles):
    """(nDCG@10, reciprocal rank) of one query's ranking."""
    expect = query["expect"]
    gain = {title: len(expect) - i for i, title in enumerate(expect)}
    dcg = sum(gain.get(t, 0) / math.log2(i + 2) for i, t in enumerate(dict.fromkeys(titles[:10])))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gain.values(), reverse=True)))
    rank = next((i + 1 for i, t in enumerate(titles) if t in gain), None)
    return dcg / ideal, (1 / rank if rank else 0.0)


def measure():
    found = [scores(query, ranking(query)) for query in JUDGED["queries"]]
    return tuple(sum(values) / len(values) for values in zip(*found, strict=True))


def test_the_judged_set_is_large_enough_and_names_real_pages(corpus, db):
    queries = JUDGED["queries"]
    assert len(queries) >= 40
    assert {query["lang"] for query in queries} == {"en", "fr", "pt"}
    for query in queries:
        for title in query["expect"]:
            assert Page.objects.filter(title=title, locale__language_code=query["lang"]).exists(), (
                query,
                title,
            )


def test_relevance_on_each_backend_and_what_each_feature_adds(corpus, db, backend, capsys):
    rules = list(Synonym.objects.values_list("terms", "language"))
    assert rules, "the demo seeds synonyms"
    Synonym.objects.all().delete()
    reindex()  # the PDFs are not read yet (their reading waits for a commit)
    stages = [("baseline", measure())]
    extraction.extract_due()
    reindex()
    stages.append(("+ PDF text", measure()))
    Synonym.objects.bulk_create([Synonym(terms=t, language=lang) for t, lang in rules])
    synonyms.forget()
    stages.append(("+ synonyms", measure()))
    for query in JUDGED["queries"]:
        if query.get("promote"):
            page = Page.objects.get(title=query["expect"][0], locale__language_code=query["lang"])
            SearchPromotion.objects.create(query=Query.get(query["q"]), page=page)
    stages.append(("+ promotions", measure()))

    name = connection.vendor if backend.label == "database" else backend.label
    with capsys.disabled():
        print(f"\nrelevance on {name}, {len(JUDGED['queries'])} judged queries:")
        for stage, (ndcg, mrr) in stages:
            print(f"  {stage:<14} nDCG@10 {ndcg:.3f}  MRR {mrr:.3f}")
    # CI's Elasticsearch node has no analysis-common, so it analyses every field with the
    # `standard` analyser (no stemming): there, "costing iccm" ranks the iCCM page, whose
    # title is the expansion's phrase, one place higher (nDCG@10 0.774 -> 0.773). Each
    # language's own analyser, as OpenSearch runs here, has no such loss.
    slack = 0.002 if getattr(backend, "analyzer", "") == "standard" else 1e-9
    for (before, (ndcg_before, mrr_before)), (stage, (ndcg, mrr)) in itertools.pairwise(stages):
        assert ndcg >= ndcg_before - slack, f"{stage} lowered nDCG@10 ({before}: {ndcg_before})"
        assert mrr >= mrr_before - slack, f"{stage} lowered MRR ({before}: {mrr_before})"
    floor_ndcg, floor_mrr = FLOORS[name]
    final_ndcg, final_mrr = stages[-1][1]
    assert final_ndcg >= floor_ndcg and final_mrr >= floor_mrr, (name, stages[-1], FLOORS[name])
