"""Alert digests benchmark: `digests.send_due` over thousands of alerts on the synthetic corpus.

    .venv/bin/python -m bench.digest_bench --pages 20000 --alerts 1000,10000 [--queries 200]

For each number of alerts in turn (same run, same corpus): a fresh set of alerts sharing
`--queries` distinct searches, all due, then one `send_due(now)`. Prints searches run (one
per distinct query is the contract), database queries, alerts/s and peak memory, and the
ratio of peak memory at the most alerts over the fewest (flat, ~1: alerts are streamed).

Uses a scratch database (never the project's db.sqlite3), set up as bench.search_bench does;
see bench/README.md.
"""

import argparse
import datetime
import gc
import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

if not __package__:  # run as `python bench/<script>.py`: import from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import Stages, ensure_corpus, machine, prepare_database, rebuild_store
from bench.search_bench import setup_django as setup_search_django

NEW_SHARE = 0.03  # of the corpus's documents published after the alerts' mark
LANGUAGE = "en"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages", type=int, default=20000, help="synthetic pages in the corpus (default 20000)"
    )
    parser.add_argument(
        "--alerts", default="1000,10000", help="alert counts, run in turn (default 1000,10000)"
    )
    parser.add_argument(
        "--queries", type=int, default=200, help="distinct queries the alerts share (default 200)"
    )
    parser.add_argument("--seed", type=int, default=1, help="corpus and query seed (default 1)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "sqlite:////tmp/portal-bench.sqlite3"),
    )
    return parser.parse_args()


def ensure_store(pages):
    """The store search_bench left is reused; rebuilt when it lacks the corpus or `published`."""
    from bench.corpus_data import PREFIX
    from search.models import SearchDocument

    documents = SearchDocument.objects.filter(title__startswith=PREFIX)
    if documents.count() >= pages and not documents.filter(published__isnull=True).exists():
        print(f"   reusing the document store ({SearchDocument.objects.count():,} documents)")
        return
    rebuild_store()


def query_pool(count, seed):
    """`count` distinct canonical queries from the corpus's facet values, and a few texts."""
    from django.http import QueryDict
    from django.utils import translation

    from bench.corpus_data import VOCABULARIES
    from search.models import SearchFacetValue
    from search.query import SearchParams

    values = {}
    for facet in ("country", "topic", "type", "year", "study"):
        found = SearchFacetValue.objects.filter(facet=facet, language=LANGUAGE)
        values[facet] = sorted(found.values_list("value", flat=True).distinct())
    shapes = [("country",), ("topic",), ("type",), ("country", "type"), ("topic", "type"),
              ("country", "topic"), ("study",), ("year", "type"), ("q",),
              ("q", "type")]  # fmt: skip
    rng = random.Random(seed)
    pool = []
    with translation.override(LANGUAGE):
        for attempt in range(count * 50):
            if len(pool) == count:
                break
            shape = shapes[attempt % len(shapes)]
            data = QueryDict(mutable=True)
            for facet in shape:
                data[facet] = rng.choice(VOCABULARIES[LANGUAGE] if facet == "q" else values[facet])
            query = SearchParams.for_request(data).canonical_query()
            if query not in pool:
                pool.append(query)
    if len(pool) < count:
        print(f"   only {len(pool)} distinct queries could be built ({count} asked for)")
    return pool


def alerts_mark():
    """The alerts' mark: the time after which NEW_SHARE of the corpus's documents appeared
    (the generator publishes its pages at 09:00 UTC on dates from 2005 to mid-2026)."""
    from search.models import SearchDocument

    documents = SearchDocument.objects.filter(language=LANGUAGE, published__isnull=False)
    newer = int(documents.count() * NEW_SHARE)
    return documents.order_by("-published").values_list("published", flat=True)[newer]


def reset():
    from portal.newsletter.models import OutboxMessage
    from search.alerts.models import AlertItem, SearchAlert

    AlertItem.objects.all().delete()
    SearchAlert.objects.all().delete()
    OutboxMessage.objects.all().delete()


def create_alerts(count, pool, mark, now):
    from search.alerts.models import SearchAlert

    SearchAlert.objects.bulk_create(
        [
            SearchAlert(
                email=f"reader{n}@bench.invalid",
                query=pool[n % len(pool)],
                language=LANGUAGE,
                frequency=SearchAlert.Frequency.WEEKLY,
                consent_version="synthetic",
                consent_language=LANGUAGE,
                consent_text="synthetic",
                created_at=mark,
                mark=mark,
                next_due_at=now - datetime.timedelta(hours=1),
            )
            for n in range(count)
        ],
        batch_size=500,
    )


def rss_peak_reset():
    """Resets the process's peak RSS (Linux: VmHWM), so that a run's peak is its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_kib(field):
    """VmRSS (now) or VmHWM (peak) in KiB; the lifetime peak (getrusage) without /proc."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return next(int(line.split()[1]) for line in lines if line.startswith(f"{field}:"))


class QueryCounter:
    """A connection.execute_wrapper: counts every statement the database runs."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run(count, pool, mark, traced):
    """A fresh set of `count` due alerts, then one send_due; its figures. Traced or timed, not
    both: tracemalloc slows Python down several times."""
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from search.alerts import digests
    from search.alerts.models import AlertItem

    reset()
    now = timezone.now()
    create_alerts(count, pool, mark, now)
    sizes = digests.due(now).values("query", "language").annotate(n=Count("pk"))
    groups, largest = sizes.count(), max(sizes.values_list("n", flat=True))
    searches, counter, real_search = [], QueryCounter(), digests.search

    def search(*args):
        before, started = counter.count, time.perf_counter()
        results = real_search(*args)
        searches.append((counter.count - before, time.perf_counter() - started))
        return results

    gc.collect()
    rss_before = rss_kib("VmRSS") if rss_peak_reset() else rss_kib("VmHWM")
    if traced:
        tracemalloc.start()
    digests.search = search
    try:
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            queued = digests.send_due(now)
            seconds = time.perf_counter() - started
    finally:
        digests.search = real_search
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        tracemalloc.stop()
    rss = rss_kib("VmHWM") - rss_before
    return {
        "alerts": count,
        "groups": groups,
        "largest": largest,
        "searches": len(searches),
        "search_queries": sum(queries for queries, _seconds in searches),
        "search_seconds": sum(seconds for _queries, seconds in searches),
        "queued": queued,
        "items": AlertItem.objects.count(),
        "queries": counter.count,
        "seconds": seconds,
        "peak_mb": peak / 2**20 if traced else None,
        "rss_mb": rss / 1024,
    }


def print_table(rows):
    print("\n| alerts | distinct queries | largest group | searches run | digests queued | items "
          "| DB queries (in searches) | seconds (in searches) | alerts/s | peak traced MB "
          "| RSS peak growth MB |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['alerts']:,} | {row['groups']:,} | {row['largest']:,} | "
              f"{row['searches']:,} | {row['queued']:,} | {row['items']:,} | {row['queries']:,} "
              f"({row['search_queries']:,}) | {row['seconds']:.1f} ({row['search_seconds']:.1f}) | "
              f"{row['alerts'] / row['seconds']:,.0f} | {row['peak_mb']:.1f} | "
              f"{row['rss_mb']:.1f} |")  # fmt: skip
    if len(rows) > 1:
        low, high = rows[0], rows[-1]
        print(f"\nPeak traced memory, {high['alerts']:,} alerts over {low['alerts']:,}: "
              f"{high['peak_mb'] / low['peak_mb']:.2f}× (flat is ~1; alerts "
              f"×{high['alerts'] / low['alerts']:.0f}; send_due holds one chunk of CHUNK "
              f"alerts and one group's results)")  # fmt: skip
    for row in rows:
        if row["searches"] > row["groups"]:
            print(f"NOTE: {row['alerts']:,} alerts ran {row['searches']} searches for "
                  f"{row['groups']} distinct queries")  # fmt: skip


def main():
    args = parse_args()
    database = args.database_url.removeprefix("sqlite:///")
    if Path(database).resolve() == (Path(__file__).resolve().parent.parent / "db.sqlite3"):
        sys.exit("Refusing to benchmark the project's own database: pass a scratch --database-url.")
    counts = [int(n) for n in args.alerts.split(",")]
    setup_search_django(args)
    from search.alerts import digests
    from search.models import SearchDocument

    stages = Stages()
    stages.run("migrate and site", prepare_database)
    stages.run(f"corpus ({args.pages} pages)", ensure_corpus, args.pages, args.seed, [LANGUAGE])
    stages.run("document store", ensure_store, args.pages)
    pool = query_pool(args.queries, args.seed)
    mark = alerts_mark()
    documents = SearchDocument.objects.filter(language=LANGUAGE)
    newer = documents.filter(published__gt=mark - digests.LOOKBACK).count()
    print(f"\n{len(pool)} distinct queries; mark {mark:%Y-%m-%d %H:%M} UTC: {newer:,} of "
          f"{documents.count():,} documents ({newer / documents.count():.1%}) are newer; "
          f"CHUNK {digests.CHUNK}, DIGEST_SIZE {digests.DIGEST_SIZE}")  # fmt: skip
    rows = []
    for count in counts:
        row = stages.run(f"send_due: {count:,} alerts, timed", run, count, pool, mark, False)
        traced = stages.run(f"send_due: {count:,} alerts, traced", run, count, pool, mark, True)
        rows.append({**row, "peak_mb": traced["peak_mb"]})
    reset()
    print_table(rows)
    print(f"\nDatabase: {args.database_url}; {args.pages:,} pages asked for.")
    print(f"Machine: {machine()}.")
    print("Seconds, alerts/s, queries and RSS from the timed pass; peak traced memory from a "
          "second pass on fresh alerts under tracemalloc.")  # fmt: skip


if __name__ == "__main__":
    main()
