"""The search benchmark's query set: deterministic queries of nine classes, in each language
of the corpus, and the endpoints each is sent to."""

import random
from collections import defaultdict

ENDPOINTS = ("/search/", "/api/search/")
CLASSES = (
    "word",
    "two-words",
    "phrase",
    "exclusion",
    "facets",
    "facets-or",
    "text+facets",
    "deep-20",
    "deep-100",
)


def query_set(count, seed, codes=("en",)):
    """A deterministic list of (class, GET parameters, language), the classes in turn and, in
    a multilingual corpus, the languages in turn (each query in one language's words)."""
    from bench.corpus_data import MARKERS, VOCABULARIES
    from search.models import SearchDocument, SearchFacetValue

    rng = random.Random(seed)
    values = defaultdict(list)
    for facet, value in (
        SearchFacetValue.objects.exclude(facet="lang")
        .values_list("facet", "value")
        .distinct()
        .order_by("facet", "value")
    ):
        values[facet].append(value)
    documents = SearchDocument.objects.order_by("pk")
    doc_ids = {
        code: list(
            (documents.filter(language=code) if len(codes) > 1 else documents).values_list(
                "pk", flat=True
            )
        )
        for code in codes
    }

    def phrase(code):  # two adjacent words of a stored summary, so that phrases do match
        words = []
        while len(words) < 2:  # a page of the demo may have a summary of one word, or none
            summary = SearchDocument.objects.get(pk=rng.choice(doc_ids[code])).summary
            summary = summary.replace(MARKERS[code], "")  # not the marker sentence
            words = [w.strip(".,").lower() for w in summary.split()]
        start = rng.randrange(len(words) - 1)
        return f'"{words[start]} {words[start + 1]}"'

    def facets(code, low, high, multi=False):
        """Values one document carries together (as a user clicks counted values), one facet maybe
        OR-ed."""
        own = defaultdict(list)
        rows = (
            SearchFacetValue.objects.filter(document_id=rng.choice(doc_ids[code]))
            .exclude(facet="lang")
            .order_by("facet", "value")
        )
        for facet, value in rows.values_list("facet", "value"):
            own[facet].append(value)
        params = {
            facet: [rng.choice(own[facet])]
            for facet in rng.sample(sorted(own), min(len(own), rng.randint(low, high)))
        }
        if multi:
            facet = rng.choice(sorted(params))
            params[facet].append(rng.choice([v for v in values[facet] if v not in params[facet]]))
        return params

    def make(kind, code):
        def word():
            return rng.choice(VOCABULARIES[code])

        if kind == "word":
            return {"q": word()}
        if kind == "two-words":
            return {"q": f"{word()} {word()}"}
        if kind == "phrase":
            return {"q": phrase(code)}
        if kind == "exclusion":
            return {"q": f"{word()} -{word()}"}
        if kind == "facets":
            return facets(code, 1, 3)
        if kind == "facets-or":
            return facets(code, 1, 3, multi=True)
        if kind == "text+facets":
            return {
                "q": rng.choice([word(), f"{word()} {word()}", phrase(code)]),
                **facets(code, 1, 2, rng.random() < 0.3),
            }
        size = 20 if kind == "deep-20" else 100
        return {"q": rng.choice(["", word()]), "page": rng.randint(20, 50), "page_size": size}

    queries = []
    for number in range(count):
        kind = CLASSES[number % len(CLASSES)]
        code = codes[(number // len(CLASSES)) % len(codes)]
        params = make(kind, code)
        if rng.random() < 0.2 and not kind.startswith("deep"):
            params["sort"] = rng.choice(["relevance", "newest", "title"])
        queries.append((kind, params, code))
    return queries


def endpoints(code, baseline=False):
    """(endpoint label, path, extra parameters) of a query in `code`: the page under the
    language's prefix, the API (not under one) with `lang`; with `baseline`, Wagtail's own
    search too (bench/wagtail_baseline.py; English only, as its view has no languages)."""
    from django.conf import settings

    if code == settings.LANGUAGE_CODE:
        wagtail = [("wagtail", "/wagtail-search/", {})] if baseline else []
        return [("/search/", "/search/", {}), ("/api/search/", "/api/search/", {}), *wagtail]
    return [("/search/", f"/{code}/search/", {}), ("/api/search/", "/api/search/", {"lang": code})]
