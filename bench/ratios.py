"""The search benchmark's figures as ratios, measured side by side in one run: the portal
against Wagtail's own search (bench/wagtail_baseline.py) on the same queries, the HTML page
against the API, suggestions against a search, and OpenSearch end to end against the
engine's own `took`. Absolute milliseconds move 2x between two of these machines; ratios
of requests sent one after another in the same run do not."""

import contextlib
import math
import random

BASELINE = "wagtail"  # Wagtail's own search: Page.objects.live().search(q) with a paginator
SUGGEST = "suggest"  # /api/search/suggest/, a few letters of the query's first word
PAGE, API = "/search/", "/api/search/"
TARGETS = {  # (what, over what): at most
    "portal page / Wagtail": 1.0,
    "portal API / Wagtail": 1.0,
    "page / API": 1.2,
    "suggestions / search": 0.3,
    "end to end / took": 3.0,
}


def requests(portal, params, code, rng=random.Random(0)):  # noqa: B008 - one stream per run
    """(endpoint, path, GET parameters) of one query: the portal's endpoints, then Wagtail's
    search when the query has words and the baseline is routed, then a suggestion."""
    from django.conf import settings

    q = params.get("q", "")
    for endpoint, path, extra in portal:
        if endpoint == BASELINE:
            if q:  # the view's own parameters; it ignores facets and sorts
                yield (
                    endpoint,
                    path,
                    {k: v for k, v in params.items() if k in ("q", "page", "page_size")},
                )
            continue
        yield endpoint, path, {**params, **extra}
    word = next((w.strip('"-') for w in q.split() if len(w.strip('"-')) >= 3), "")
    if word:
        prefix = word[: rng.randint(3, min(6, len(word)))]
        lang = {} if code == settings.LANGUAGE_CODE else {"lang": code}
        yield SUGGEST, "/api/search/suggest/", {"q": prefix, **lang}


class EngineTook:
    """The `took` (ms) the engine reported for each request's searches: msearch's own figure,
    summed over the msearch calls one request makes. Patches the OpenSearch client class for
    the run, so every client the portal makes is measured."""

    def __init__(self):
        self.times = []  # (endpoint, took ms, end-to-end ms filled by the caller)
        self._current = None

    @contextlib.contextmanager
    def installed(self):
        from opensearchpy import OpenSearch

        original = OpenSearch.msearch
        recorder = self

        def msearch(client, *args, **kwargs):
            answer = original(client, *args, **kwargs)
            if recorder._current is not None:
                took = answer.get("took")
                if took is None:
                    took = max((part.get("took", 0) for part in answer["responses"]), default=0)
                recorder._current.append(took)
            return answer

        OpenSearch.msearch = msearch
        try:
            yield self
        finally:
            OpenSearch.msearch = original

    @contextlib.contextmanager
    def request(self, endpoint):
        self._current = [] if endpoint in (PAGE, API) else None
        try:
            yield
        finally:
            if self._current:
                self.times.append((endpoint, sum(self._current)))
            self._current = None


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def figures(result):
    """{name: (numerator p95, denominator p95, ratio)} of one backend's run."""
    each = result["each"]
    with_words = [row for row in each if BASELINE in row]
    out = {}

    def ratio(name, top, bottom):
        out[name] = (top, bottom, top / bottom if bottom else float("nan"))

    if with_words:
        wagtail = percentile([row[BASELINE] for row in with_words], 95)
        ratio("portal page / Wagtail", percentile([r[PAGE] for r in with_words], 95), wagtail)
        ratio("portal API / Wagtail", percentile([r[API] for r in with_words], 95), wagtail)
    ratio("page / API", percentile([r[PAGE] for r in each], 95),
          percentile([r[API] for r in each], 95))  # fmt: skip
    suggested = [r[SUGGEST] for r in each if SUGGEST in r]
    if suggested:
        ratio("suggestions / search", percentile(suggested, 95),
              percentile([r[API] for r in each], 95))  # fmt: skip
    took = [t for endpoint, t in result["took"] if endpoint == API]
    if took:
        ratio("end to end / took", percentile([r[API] for r in each], 95), percentile(took, 95))
    return out


def print_ratios(name, result):
    """The ratios of one backend's run, as a Markdown table with PASS or MISS."""
    rows = figures(result)
    count = sum(BASELINE in row for row in result["each"])
    print(f"\n{name}: p95 in ms, ratios side by side ({count} of {len(result['each'])} queries "
          "have words and went to Wagtail's search too)")  # fmt: skip
    print("\n| ratio | p95 | over p95 | ratio | target |")
    print("|---|---:|---:|---:|---|")
    for what, (top, bottom, value) in rows.items():
        target = TARGETS[what]
        verdict = "PASS" if value <= target else "MISS"
        print(f"| {what} | {top:.1f} | {bottom:.1f} | {value:.2f}× | ≤ {target}×: {verdict} |")
    return {what: value for what, (_top, _bottom, value) in rows.items()}
