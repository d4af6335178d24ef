"""Search benchmark: /search/ and /api/search/ on a synthetic corpus, database backend and
OpenSearch.

    .venv/bin/python -m bench.search_bench --pages 20000 [--engine opensearch] [--requests N]
    .venv/bin/python -m bench.search_bench --pages 20000 --engine opensearch --languages en,fr,pt

With several languages it runs twice, side by side: the English-only corpus, then the
trilingual one (each language a third of the pages, queries in each language in turn,
under its URL prefix), each in a process and a scratch database of its own, and prints
the trilingual p95 over the English-only p95 for each backend.

Uses scratch databases (never the project's db.sqlite3); see bench/README.md.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import sqlite3
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

if not __package__:  # run as `python bench/<script>.py`: import from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ratios import percentile
from bench.search_languages import compare
from bench.search_queries import CLASSES, ENDPOINTS, endpoints, query_set

TARGETS = {"database": 80.0, "opensearch": 40.0}  # p95 ms, both endpoints
REBUILD_TARGET = 2000.0  # documents/s into OpenSearch (issue 17; 1,000 before)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages", type=int, default=20000, help="synthetic pages in the corpus (default 20000)"
    )
    parser.add_argument("--engine", choices=["opensearch"], help="also benchmark this engine")
    parser.add_argument(
        "--requests", type=int, default=270, help="queries in the set (each hits both endpoints)"
    )
    parser.add_argument("--warmup", type=int, default=30, help="untimed queries first (default 30)")
    parser.add_argument("--seed", type=int, default=1, help="corpus and query-set seed (default 1)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "sqlite:////tmp/portal-bench.sqlite3"),
    )
    parser.add_argument(
        "--index", default="bench", help="OpenSearch alias to build (default bench)"
    )
    parser.add_argument(
        "--keep-index", action="store_true", help="leave the OpenSearch bench index behind"
    )
    parser.add_argument(
        "--languages",
        default="en",
        help="corpus languages, the default first; several (en,fr,pt) compare that corpus "
        "with the English-only one in the same run",
    )
    parser.add_argument(
        "--languages-database-url",
        help="scratch database of the multilingual corpus (default: --database-url's, "
        "suffixed with the languages)",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="without PDF text, synonyms, promotions and Wagtail's search beside it (the scale "
        "run's)",
    )
    parser.add_argument("--json", help=argparse.SUPPRESS)  # where one corpus's run reports
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def setup_django(args):
    """Environment first: settings read it once, at import."""
    engine_url = os.environ.pop("OPENSEARCH_URL", "") or "http://127.0.0.1:9200"
    os.environ.pop("ELASTICSEARCH_URL", None)  # the database backend comes first
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.dev"
    os.environ["DEBUG"] = "0"  # no query log
    os.environ["PAGE_CACHE_TIMEOUT"] = "0"  # every request is searched, none answered by the cache
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    return engine_url


class Stages:
    """Wall time of each stage, printed as it ends and again at the end."""

    def __init__(self):
        self.times = {}

    def run(self, name, function, *args, **kwargs):
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        result = function(*args, **kwargs)
        self.times[name] = time.perf_counter() - started
        print(f"   ({name}: {self.times[name]:.1f} s)", flush=True)
        return result


def prepare_database():
    from django.core.management import call_command
    from wagtail.models import Site

    call_command("migrate", interactive=False, verbosity=0)
    site = (
        Site.objects.filter(is_default_site=True).select_related("root_page__content_type").first()
    )
    if site is None or site.root_page.content_type.model != "homepage":
        call_command("load_demo_content")


def ensure_corpus(pages, seed, codes):
    """Reuse a corpus of the same size and languages; otherwise clear it and generate anew."""
    from django.core.management.base import OutputWrapper
    from django.db.models import Count
    from wagtail.models import Page

    from bench.corpus import clear_corpus, corpus_exists, generate_corpus
    from bench.corpus_data import PREFIX

    found = dict(  # order_by(): the Page manager's ordering (path) would join the GROUP BY
        Page.objects.filter(title__startswith=PREFIX, depth__gt=2)
        .order_by()
        .values_list("locale__language_code")
        .annotate(Count("pk"))
    )
    each = pages // len(codes)  # a translation may add its own research area index
    if set(found) == set(codes) and all(each <= found[code] <= each + 1 for code in codes):
        print(f"   reusing the corpus of {sum(found.values())} synthetic pages ({found})")
        return
    if corpus_exists():
        print(f"   corpus has {found} synthetic pages, {each} in each of {codes} asked for: "
              "regenerating")  # fmt: skip
        clear_corpus(stdout=OutputWrapper(sys.stdout))
    # Admin search index: not measured
    generate_corpus(
        pages, seed=seed, stdout=OutputWrapper(sys.stdout), index=False, languages=codes
    )


def rebuild_store():
    from search import indexing

    started = time.perf_counter()
    count = indexing.rebuild_store()
    seconds = time.perf_counter() - started
    print(
        f"   document store: {count} documents in {seconds:.1f} s ({count / seconds:,.0f} docs/s)"
    )
    return count, count / seconds


def run_queries(queries, warmup, expect_backend, baseline=False, took=None, cold=None):
    """Time every query on both endpoints, then on Wagtail's own search when `baseline` (the
    queries with words; bakerydemo's view searches nothing without them), then a suggestion
    typed towards its first word, one after another; returns the measurements. `took`
    (ratios.EngineTook) collects the engine's own time of each API request. `cold`, untimed
    before each request, empties what the ones before it left cached (the engine's request
    cache), so that the API does not answer from the page's counts, nor Wagtail's search
    from its own count of a word the set asked before."""
    from django.test import Client

    from bench import ratios

    client = Client()
    print(f"   load average (1 min) before: {os.getloadavg()[0]:.1f}")
    for _kind, params, code in warmup:
        for _endpoint, path, query in ratios.requests(endpoints(code, baseline), params, code):
            client.get(path, query)
    times = defaultdict(list)  # (endpoint, kind) -> [ms]
    each = []  # per query: {endpoint: ms}
    failures, backends, fallbacks, empty = [], defaultdict(int), 0, defaultdict(int)
    started = time.perf_counter()
    for kind, params, code in queries:
        each.append({})
        for endpoint, path, query in ratios.requests(endpoints(code, baseline), params, code):
            if cold:
                cold()
            t0 = time.perf_counter()
            try:
                with took.request(endpoint) if took else contextlib.nullcontext():
                    response = client.get(path, query)
                status = response.status_code
            # A crash of any kind is a failure to report, not the end of the run.
            except Exception as error:  # noqa: BLE001
                response, status = None, f"{type(error).__name__}: {error}"
            each[-1][endpoint] = times_ms = (time.perf_counter() - t0) * 1000
            times[endpoint, kind].append(times_ms)
            if status != 200:
                failures.append((path, kind, params, status))
                continue
            if endpoint == "/api/search/":
                data = json.loads(response.content)
                backends[data["backend"]] += 1
                fallbacks += bool(data["fallback"])
                empty[kind] += not data["total"]
    elapsed = time.perf_counter() - started
    portal = [ms for (endpoint, _kind), ts in times.items() if endpoint in ENDPOINTS for ms in ts]
    throughput = len(portal) / (sum(portal) / 1000)
    print(
        f"   {sum(map(len, each))} requests in {elapsed:.1f} s; the portal's "
        f"{throughput:.1f} requests/s (one client, sequential)"
    )
    answered = ", ".join(f"{name} {count}" for name, count in sorted(backends.items()))
    print(f"   /api/search/ answered by: {answered}; fallback responses: {fallbacks}")
    if set(backends) - {expect_backend} or fallbacks:
        print(f"   WARNING: expected every answer from {expect_backend}, without fallback")
    print(f"   non-200 responses: {len(failures)}")
    for endpoint, kind, params, status in failures[:20]:
        print(f"     {status} {endpoint} {kind} {params}")
    return {
        "times": times,
        "each": each,
        "took": took.times if took else [],
        "throughput": throughput,
        "failures": len(failures),
        "empty": empty,
    }


def print_table(result, queries):
    counts = defaultdict(int)
    for kind, _params, _code in queries:
        counts[kind] += 1
    head = "| class | n | no hits |" + "".join(f" {e} p50 | {e} p95 | {e} max |" for e in ENDPOINTS)
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    times = result["times"]
    rows = [(kind, {e: times[e, kind] for e in ENDPOINTS}) for kind in CLASSES if counts[kind]]
    rows.append(
        (
            "**all**",
            {e: [t for (end, _k), ts in times.items() if end == e for t in ts] for e in ENDPOINTS},
        )
    )
    for kind, by_endpoint in rows:
        n = counts[kind] if kind in counts else len(queries)
        empty = result["empty"][kind] if kind in counts else sum(result["empty"].values())
        cells = "".join(
            f" {percentile(ts, 50):.1f} | {percentile(ts, 95):.1f} | {max(ts):.1f} |"
            for ts in by_endpoint.values()
        )
        print(f"| {kind} | {n} | {empty} |{cells}")


def overall(result, endpoint, p):
    return percentile(
        [t for (end, _kind), ts in result["times"].items() if end == endpoint for t in ts], p
    )


def opensearch_reachable(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read()).get("version", {}).get("number", "?")
    except (OSError, ValueError) as error:  # unreachable, refused, timed out, or not JSON
        print(f"   OpenSearch is not reachable at {url} ({type(error).__name__}: {error}).")
        print(
            "   Skipping the OpenSearch part: start it with `bash scripts/search-engine.sh start "
            "opensearch`."
        )
        return None


def use_opensearch(url, index):
    from django.conf import settings

    timeout = float(os.environ.get("SEARCH_TIMEOUT", "10"))
    options = {"URL": url, "INDEX": index, "TIMEOUT": timeout, "ANALYZER": ""}
    settings.PORTAL_SEARCH = {
        "BACKEND": "search.backends.opensearch.OpenSearchBackend",
        "OPTIONS": options,
    }


def rebuild_opensearch():
    from search import indexing

    started = time.perf_counter()
    count = indexing.rebuild_backend()
    seconds = time.perf_counter() - started
    print(f"   OpenSearch: {count} documents in {seconds:.1f} s ({count / seconds:,.0f} docs/s)")
    return count / seconds


def clear_request_cache(index):
    """The engine's cached counts of the searches before, emptied in the portal's index and
    in Wagtail's (its paginator's count is a size-0 search, which the engine caches too, and
    a word can come back in the set): each query is new to each endpoint."""
    from bench import wagtail_baseline
    from search.backends import get_search_backend

    client = get_search_backend().client
    indices = f"{index},{wagtail_baseline.PREFIX}*"
    return lambda: client.indices.clear_cache(
        index=indices, request=True, ignore_unavailable=True, allow_no_indices=True
    )


def drop_index(index):
    from search.backends import get_search_backend

    backend = get_search_backend()
    try:
        backend.client.indices.delete(index=f"{index}-*", ignore_unavailable=True)
        print(f"   dropped the {index}-* indices")
    except Exception as error:  # noqa: BLE001 - clean-up at the end: report whatever the client raises
        print(f"   could not drop the {index}-* indices: {error}")


def machine():
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "?",
    )
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cpus} CPUs ({model}), Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}, {now}, "
        f"load average {load} (1/5/15 min; anything else running shares the CPUs)"
    )


def verdict(value, target, higher=False):
    ok = value >= target if higher else value <= target
    return "PASS" if ok else "MISS"


def summary(rows, pages, documents, engine_version):
    print(
        "\n| backend | pages | documents | /search/ p50 | /search/ p95 | /api/search/ p50 | "
        "/api/search/ p95 "
        "| requests/s | rebuild docs/s | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, result, rebuild in rows:
        p95 = max(overall(result, e, 95) for e in ENDPOINTS)
        checks = [f"p95 ≤ {TARGETS[name]:.0f} ms: {verdict(p95, TARGETS[name])}"]
        if name == "opensearch":
            checks.append(
                f"rebuild ≥ {REBUILD_TARGET:,.0f}/s: "
                f"{verdict(rebuild, REBUILD_TARGET, higher=True)}"
            )
        cells = " | ".join(f"{overall(result, e, p):.1f} ms" for e in ENDPOINTS for p in (50, 95))
        label = database_label() if name == "database" else f"OpenSearch {engine_version}"
        print(
            f"| {label} | {pages:,} | {documents:,} | {cells} | {result['throughput']:.1f} "
            f"| {rebuild:,.0f} | {'; '.join(checks)} |"
        )
    print(f"\nMachine: {machine()}.")
    print(
        "Rebuild docs/s: database row = pages -> document store; OpenSearch row = store -> index."
    )
    if pages != 20000:
        print("Note: the targets are set for 20,000 pages.")


def database_label():
    from django.db import connection

    return "database (SQLite FTS5)" if connection.vendor == "sqlite" else "database (PostgreSQL)"


def report(path, rows, pages, documents, codes, version, extras):
    """One corpus's figures as JSON, for the run that compares corpora."""
    from django.db import connection

    figures = {
        "pages": pages,
        "documents": documents,
        "languages": codes,
        "database": connection.vendor,
        "engine_version": version,
        "machine": machine(),
        "ratios": extras,
        "backends": {
            name: {
                "p50": {e: overall(result, e, 50) for e in ENDPOINTS},
                "p95": {e: overall(result, e, 95) for e in ENDPOINTS},
                "classes": {
                    kind: {e: percentile(result["times"][e, kind], 95) for e in ENDPOINTS}
                    for kind in CLASSES
                    if result["times"][ENDPOINTS[0], kind]
                },
                "throughput": result["throughput"],
                "rebuild": rebuild,
                "failures": result["failures"],
            }
            for name, result, rebuild in rows
        },
    }
    Path(path).write_text(json.dumps(figures, indent=1))


def main():
    args = parse_args()
    codes = args.languages.split(",")
    if len(codes) > 1 and not args.one:
        return compare(args, codes)
    if "db.sqlite3" in args.database_url and "portal-bench" not in args.database_url:
        sys.exit("Refusing to benchmark the project's own database: pass a scratch --database-url.")
    engine_url = setup_django(args)
    from bench import ratios, search_features, wagtail_baseline

    stages = Stages()
    stages.run("migrate and site", prepare_database)
    label = f"corpus ({args.pages} pages, {', '.join(codes)})"
    stages.run(label, ensure_corpus, args.pages, args.seed, codes)
    extras = {}
    if not args.plain:
        stages.run("PDF text, synonyms and promotions", search_features.enable, args.seed, codes)
    with search_features.VocabularyTimer().installed() as counting:
        documents, store_rate = stages.run("document store rebuild", rebuild_store)
    share = counting.seconds / stages.times["document store rebuild"]
    extras["vocabulary share"] = share
    print(f"   of which counting the vocabulary for suggestions: {counting.seconds:.1f} s "
          f"({share:.0%})")  # fmt: skip
    if not args.plain:
        extras["extraction"] = stages.run("PDF extraction", search_features.extraction_rate)
    baseline = not args.plain and codes == ["en"]
    if baseline:
        wagtail_baseline.use("database")
        stages.run("Wagtail's database index", wagtail_baseline.build_index, "database",
                   args.pages)  # fmt: skip
    queries = query_set(args.requests, args.seed, codes)
    warmup = query_set(args.warmup, args.seed + 1000, codes)
    print(
        f"\n{len(queries)} queries per backend to {', '.join(ENDPOINTS)}"
        f"{', Wagtail' if baseline else ''} and suggestions, {len(warmup)} warm-up queries, in "
        f"{', '.join(codes)}"
    )

    database = stages.run("queries: database", run_queries, queries, warmup, "database", baseline)
    print()
    print_table(database, queries)
    extras["database"] = ratios.print_ratios(database_label(), database)
    rows = [("database", database, store_rate)]
    failures = database["failures"]

    version = None
    if args.engine == "opensearch":
        version = opensearch_reachable(engine_url)
        if version:
            use_opensearch(engine_url, args.index)
            rate = stages.run(
                f"OpenSearch {version} rebuild ({engine_url}, alias {args.index})",
                rebuild_opensearch,
            )
            if baseline:
                wagtail_baseline.use("opensearch", engine_url)
                stages.run("Wagtail's OpenSearch index", wagtail_baseline.build_index,
                           "opensearch", args.pages)  # fmt: skip
            with ratios.EngineTook().installed() as took:
                result = stages.run("queries: opensearch", run_queries, queries, warmup,
                                    "opensearch", baseline, took,
                                    clear_request_cache(args.index))  # fmt: skip
            print()
            print_table(result, queries)
            extras["opensearch"] = ratios.print_ratios(f"OpenSearch {version}", result)
            rows.append(("opensearch", result, rate))
            failures += result["failures"]
            if not args.keep_index:
                drop_index(args.index)
                if baseline:
                    wagtail_baseline.drop_index(engine_url)

    print("\n== Stage times")
    for name, seconds in stages.times.items():
        print(f"   {name}: {seconds:.1f} s")
    summary(rows, args.pages, documents, version)
    print(f"\nNon-200 responses in all: {failures}")
    if args.json:
        report(args.json, rows, args.pages, documents, codes, version, extras)


if __name__ == "__main__":
    main()
