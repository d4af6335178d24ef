"""Publish-to-searchable: how long after `publish()` returns a new page appears in /api/search/.

Why: an editor who publishes a brief expects readers to find it at once. The portal indexes
on commit, in the publishing process, into OpenSearch (refreshed every second), and purges
the cached search answers (portal.cache_purge); this measures the whole path as production
runs it: gunicorn with production settings on a scratch PostgreSQL database, Redis as the
shared page cache, OpenSearch, and one long-lived editor process that publishes a finding
with a unique word, then waits for the bench to find it before the next.

    .venv/bin/python -m bench.searchable_bench --database-url postgres://... \\
        --opensearch-url http://127.0.0.1:9200 [--publishes 20]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

if not __package__:  # run as `python bench/<script>.py`: import from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_bench import redis_server, scratch_database
from bench.servers import PYTHON, REPO, production_server, write_report

TARGET_P95 = 2.0  # seconds, the target

EDITOR = r"""
import json, sys, time, uuid
from research.models import FindingsPage, PublicationIndexPage
parent = PublicationIndexPage.objects.live().filter(locale__language_code="en").first()
for line in sys.stdin:
    token = "zq" + uuid.uuid4().hex[:10]
    page = FindingsPage(title=f"Searchable {token}", slug=token, summary=f"Found by {token}.")
    parent.add_child(instance=page)
    began = time.time()
    page.save_revision().publish()
    print(json.dumps({"token": token, "began": began, "returned": time.time()}), flush=True)
"""


def found(base, token):
    request = urllib.request.Request(
        f"{base}/api/search/?q={token}", headers={"X-Forwarded-Proto": "https"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["total"] > 0


def measure(base, env, publishes, timeout=10.0):
    """[(publish seconds, seconds from publish() returning to the page being found)]."""
    editor = subprocess.Popen(
        [PYTHON, "manage.py", "shell", "-c", EDITOR],
        cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    figures = []
    try:
        for _ in range(publishes):
            editor.stdin.write("publish\n")
            editor.stdin.flush()
            line = editor.stdout.readline()
            while line and not line.startswith('{"token"'):  # anything else the shell prints
                line = editor.stdout.readline()
            published = json.loads(line)
            while not found(base, published["token"]):
                if time.time() - published["returned"] > timeout:
                    raise RuntimeError(f"{published['token']} not found within {timeout} s")
                time.sleep(0.02)
            figures.append(
                (published["returned"] - published["began"], time.time() - published["returned"])
            )
            time.sleep(0.5)
    finally:
        editor.stdin.close()
        editor.wait(timeout=30)
    return figures


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--opensearch-url", default=os.environ.get("OPENSEARCH_URL", ""))
    parser.add_argument("--publishes", type=int, default=20)
    parser.add_argument("--json", default=str(REPO / "bench/results/searchable-bench.json"))
    args = parser.parse_args()
    if (
        not args.database_url.startswith(("postgres://", "postgresql://"))
        or not args.opensearch_url
    ):
        parser.error("needs --database-url postgres://... and --opensearch-url")
    index = f"searchable-{uuid.uuid4().hex[:8]}"
    with (
        scratch_database(args.database_url, "portal_searchable") as database,
        redis_server() as redis_url,
    ):
        extra = dict(OPENSEARCH_URL=args.opensearch_url, SEARCH_INDEX=index, REDIS_URL=redis_url)
        with production_server(database, demo=True, workers=2, **extra) as (base, env):
            figures = measure(base, env, args.publishes)
    delays = [delay for _, delay in figures]
    report = {
        "publishes": len(figures),
        "publish p50 s": round(statistics.median(p for p, _ in figures), 3),
        "searchable p50 s": round(statistics.median(delays), 3),
        "searchable p95 s": round(percentile(delays, 0.95), 3),
        "searchable max s": round(max(delays), 3),
        "target p95 s": TARGET_P95,
    }
    for name, value in report.items():
        print(f"{name:>18}: {value}")
    print("publish-to-searchable:", "met" if report["searchable p95 s"] <= TARGET_P95 else "MISSED")
    write_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
