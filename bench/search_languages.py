"""The search benchmark's trilingual run: the English-only corpus and the trilingual one, each
in a process and a scratch database of its own, then their p95 side by side."""

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.search_queries import ENDPOINTS

LANGUAGE_RATIO_TARGET = 1.1  # trilingual p95 / English-only p95, each backend


def suffixed(url, codes):
    """The scratch database of a multilingual corpus: the English one's, suffixed
    (`…/portal-bench-en-fr-pt.sqlite3`, or database `portal_bench_en_fr_pt`, which must exist)."""
    if url.startswith("sqlite:"):
        stem, dot, extension = url.rpartition(".")
        return f"{stem}-{'-'.join(codes)}.{extension}" if dot else f"{url}-{'-'.join(codes)}"
    base, _, query = url.partition("?")
    return f"{base}_{'_'.join(codes)}" + (f"?{query}" if query else "")


def compare(args, codes):
    """Both corpora in the same run, each in a process of its own (settings are read once),
    then their p95 side by side."""
    runs = [
        (["en"], args.database_url, args.index),
        (codes, args.languages_database_url or suffixed(args.database_url, codes),
         f"{args.index}_{'_'.join(codes)}"),  # not matched by the first's `<index>-*`
    ]  # fmt: skip
    figures = []
    for languages, database_url, index in runs:
        path = Path(f"/tmp/search-bench-{os.getpid()}-{'-'.join(languages)}.json")
        command = [sys.executable, "-m", "bench.search_bench", "--one", "--json", str(path),
                   "--pages", str(args.pages), "--requests", str(args.requests),
                   "--warmup", str(args.warmup), "--seed", str(args.seed),
                   "--database-url", database_url, "--index", index,
                   "--languages", ",".join(languages)]  # fmt: skip
        if args.engine:
            command += ["--engine", args.engine]
        if args.keep_index:
            command.append("--keep-index")
        print(f"\n######## corpus in {', '.join(languages)}: {database_url}", flush=True)
        subprocess.run(command, check=True, cwd=Path(__file__).resolve().parent.parent)
        figures.append(json.loads(path.read_text()))
        path.unlink()
    print_comparison(*figures)


def print_comparison(english, multilingual):
    from bench.search_bench import verdict  # not at the top: search_bench imports this module

    languages = ", ".join(multilingual["languages"])
    print(f"\n== {languages} corpus against the English-only one: p95 (ms), same run")
    print(f"\n| backend | endpoint | English-only p50 | English-only p95 | {languages} p50 | "
          f"{languages} p95 | p95 ratio | target ≤ {LANGUAGE_RATIO_TARGET}× |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for name, base in english["backends"].items():
        other = multilingual["backends"].get(name)
        if other is None:
            continue
        label = f"database ({english['database']})" if name == "database" else (
            f"OpenSearch {english['engine_version']}")  # fmt: skip
        for endpoint in ENDPOINTS:
            ratio = other["p95"][endpoint] / base["p95"][endpoint]
            print(f"| {label} | {endpoint} | {base['p50'][endpoint]:.1f} | "
                  f"{base['p95'][endpoint]:.1f} | {other['p50'][endpoint]:.1f} | "
                  f"{other['p95'][endpoint]:.1f} | {ratio:.2f}× | "
                  f"{verdict(ratio, LANGUAGE_RATIO_TARGET)} |")  # fmt: skip
    print(f"\nDocuments: {english['documents']:,} English-only, {multilingual['documents']:,} "
          f"in {languages}; {english['pages']:,} pages asked for each.")  # fmt: skip
    print(f"Machine (second corpus's run): {multilingual['machine']}.")
