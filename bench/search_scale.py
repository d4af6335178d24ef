"""How search cost grows with the archive: p95 against corpus size, database backend and
OpenSearch, from one run.

    .venv/bin/python -m bench.search_scale --database-url postgres://…/portal \
        [--sizes 2000,20000,50000,200000] [--requests 270]

Each size runs `bench.search_bench` in a process and a scratch database of its own
(`<database>_scale_<size>`, created when missing and reused by later runs), so one size's
corpus never has to be cleared to make the next. The query set has the same seed at every
size, so the rows differ only by the corpus. It ends with the p95 table, the growth from
20,000 to 200,000 pages on OpenSearch (target ≤ 1.5×), and the first size from which
OpenSearch is worth running (WORTH_IT below).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

if not __package__:  # run as `python bench/<script>.py`: import from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import scratch_database
from bench.search_bench import opensearch_reachable, verdict
from bench.search_queries import ENDPOINTS

SIZES = (2000, 20000, 50000, 200000)
GROWTH = (20000, 200000, 1.5)  # OpenSearch p95 at the second size ≤ 1.5× that at the first
# OpenSearch is worth running from the first size at which the database backend's p95, on
# either endpoint, is at least this many times OpenSearch's and above this many ms: below
# that the difference is not one a reader on a slow link would notice.
WORTH_IT = (2.0, 200.0)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database URL")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--requests", type=int, default=270)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--json", help="also write every size's figures to this file")
    return parser.parse_args()


def run_size(args, size):
    path = Path(f"/tmp/search-scale-{os.getpid()}-{size}.json")
    command = [sys.executable, "-m", "bench.search_bench", "--one", "--json", str(path),
               "--pages", str(size), "--requests", str(args.requests),
               "--warmup", str(args.warmup), "--engine", "opensearch",
               "--database-url", scratch_database(args.database_url, f"scale_{size}"),
               "--index", f"bench_scale_{size}", "--plain"]  # fmt: skip
    print(f"\n######## {size:,} pages", flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=Path(__file__).resolve().parent.parent)
    figures = json.loads(path.read_text())
    path.unlink()
    figures["seconds"] = time.perf_counter() - started
    if "opensearch" not in figures["backends"]:
        sys.exit("OpenSearch was not reachable: the table needs both backends.")
    return figures


def p95(figures, backend, endpoint):
    return figures["backends"][backend]["p95"][endpoint]


def worth_it(runs):
    """The first size where the database backend is clearly the slower (WORTH_IT), or None."""
    ratio, floor = WORTH_IT
    for figures in runs:
        for endpoint in ENDPOINTS:
            database = p95(figures, "database", endpoint)
            engine = p95(figures, "opensearch", endpoint)
            if database >= ratio * engine and database >= floor:
                return figures["pages"], endpoint, database, engine
    return None


def print_table(runs):
    version = runs[0]["engine_version"]
    print("\n== p95 (ms) against corpus size, one run (PostgreSQL's database backend, "
          f"OpenSearch {version})\n")  # fmt: skip
    print("| pages | documents | database /search/ | database /api/search/ | OpenSearch /search/ "
          "| OpenSearch /api/search/ | database ÷ OpenSearch (page, API) | store docs/s "
          "| index docs/s | run |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for figures in runs:
        cells = " | ".join(f"{p95(figures, b, e):.1f}" for b in ("database", "opensearch")
                           for e in ENDPOINTS)  # fmt: skip
        ratios = ", ".join(f"{p95(figures, 'database', e) / p95(figures, 'opensearch', e):.1f}×"
                           for e in ENDPOINTS)  # fmt: skip
        backends = figures["backends"]
        print(f"| {figures['pages']:,} | {figures['documents']:,} | {cells} | {ratios} | "
              f"{backends['database']['rebuild']:,.0f} | {backends['opensearch']['rebuild']:,.0f} "
              f"| {figures['seconds'] / 60:.1f} min |")  # fmt: skip
    by_size = {figures["pages"]: figures for figures in runs}
    low, high, target = GROWTH
    if low in by_size and high in by_size:
        print(f"\nGrowth from {low:,} to {high:,} pages, p95 ratio (target ≤ {target}× on "
              "OpenSearch):")  # fmt: skip
        for backend in ("database", "opensearch"):
            for endpoint in ENDPOINTS:
                ratio = p95(by_size[high], backend, endpoint) / p95(by_size[low], backend, endpoint)
                mark = f" {verdict(ratio, target)}" if backend == "opensearch" else ""
                print(f"   {backend} {endpoint}: {ratio:.2f}×{mark}")
    found = worth_it(runs)
    ratio, floor = WORTH_IT
    if found:
        pages, endpoint, database, engine = found
        print(f"\nOpenSearch is worth running from {pages:,} pages: there the database "
              f"backend's {endpoint} p95 is {database:.0f} ms, {database / engine:.1f}× "
              f"OpenSearch's {engine:.0f} ms (rule: ≥ {ratio}× and ≥ {floor:.0f} ms).")  # fmt: skip
    else:
        print(f"\nAt none of these sizes is the database backend ≥ {ratio}× OpenSearch's p95 "
              f"and ≥ {floor:.0f} ms: the database backend is enough.")  # fmt: skip
    print(f"\nMachine (last size's run): {runs[-1]['machine']}.")


def main():
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("The scale run is for PostgreSQL: pass --database-url postgres://…")
    if not opensearch_reachable(os.environ.get("OPENSEARCH_URL") or "http://127.0.0.1:9200"):
        sys.exit("The table needs both backends: start OpenSearch (make search-scale does).")
    runs = [run_size(args, int(size)) for size in args.sizes.split(",")]
    print_table(runs)
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
