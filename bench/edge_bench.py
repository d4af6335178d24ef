"""Edge benchmark: the portal behind Varnish, its own page cache, and publishing under load.

One run, figures side by side: cached pages through Varnish against a bare `wagtail start`
home page (bench/load_bench.py's method) and against the same varnishd answering synthetic
bodies of each page's size (bench/varnish-synth.vcl); the portal's own Redis page cache
without the edge, for a site that has none; then 64 connections
through Varnish with and without publishes. Everything runs on 127.0.0.1 and stops by itself,
even on Ctrl-C. See bench/README.md.
"""

import argparse
import contextlib
import gzip
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

if not __package__:  # run as `python bench/<script>.py`: import from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import servers, wrk
from bench.load_bench import (
    STUDY,
    bare_site,
    machine,
    portal_gunicorn_settings,
    redis_server,
    scratch_database,
)

HEADERS = {"Accept-Encoding": "gzip"}  # every wrk run and every sample
SYNTH_VCL = servers.REPO / "bench/varnish-synth.vcl"
# The process whose CPU a run measures: req/s per core of it evens out the others' share.
SERVER = {"edge": "varnishd", "synth": "varnishd", "portal cache": "gunicorn portal.wsgi"}
POLL_SECONDS, VISIBLE_GIVE_UP = 0.05, 10.0  # the publish-to-visible poll
EDGE_TARGET = 25.0  # a cached page through Varnish, × the bare home page's req/s
SYNTH_TARGET = 0.8  # × the same varnishd answering a synthetic body of the page's size
P99_TARGET = 2.0  # p99 with publishes, × the same run without
VISIBLE_TARGET = 2.0  # s from publish() returning to the new title through Varnish

# The listing with the most live children, and the study's id (the publisher edits it).
PAGES = """
import json
from portal.models import ListingPage
from wagtail.models import Page, get_page_models
study = Page.objects.live().get(url_path__endswith={study!r}, locale__language_code="en")
models = [m for m in get_page_models() if issubclass(m, ListingPage)]
listings = Page.objects.live().type(*models).filter(locale__language_code="en")
listing = max(listings, key=lambda page: page.get_children().live().count())
print(json.dumps({{"study_id": study.pk, "listing": listing.url}}))
"""

# One long-lived editor: a publish per line read, as an admin's publish is (no Python start).
PUBLISHER = """
import json, sys, time
from wagtail.models import Page
print("EDGE-BENCH ready", flush=True)
for line in sys.stdin:
    page = Page.objects.get(pk={pk}).specific
    page.title = line.strip()
    page.save_revision().publish()
    print("EDGE-BENCH " + json.dumps({{"returned": time.time()}}), flush=True)
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of untimed load first")
    parser.add_argument("--publish-duration", type=int, default=30)
    parser.add_argument("--publishes", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, help="gunicorn workers (gunicorn.conf.py's)")
    parser.add_argument("--timeout", default="10s", help="wrk --timeout (10s)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--json", default=str(servers.REPO / "bench/results/edge-bench.json"))
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 1 on a missed target")
    return parser.parse_args()


def get(url):
    """GET as wrk sends it; (status, headers, bytes on the wire, decoded text)."""
    request = urllib.request.Request(url, headers=HEADERS)
    with urllib.request.urlopen(request, timeout=20) as response:
        raw = response.read()
        body = gzip.decompress(raw) if response.headers.get("Content-Encoding") == "gzip" else raw
        return response.status, response.headers, len(raw), body.decode(errors="replace")


def render(template, values):
    """Replace each @NAME@ as scripts/varnish.sh does; refuse a placeholder left over."""
    for name, value in values.items():
        template = template.replace(f"@{name}@", str(value))
    left = re.findall(r"@[A-Z_]+@", template.split("vcl 4.1;", 1)[1])
    if left:
        raise ValueError(f"placeholders left unrendered: {left}")
    return template


#: What varnishd adds to a synthetic answer itself, and the encoding its body does not have.
SYNTH_OWN_HEADERS = {
    *("date", "server", "x-varnish", "age", "via", "accept-ranges", "content-length"),
    *("connection", "content-type", "content-encoding"),
}


def synth_headers(headers):
    """VCL setting the page's own response headers on the synthetic answer (long strings, so
    a value may hold quotes)."""
    return "\n".join(
        f'        set resp.http.{name} = {{"{value}"}};'
        for name, value in headers.items()
        if name.lower() not in SYNTH_OWN_HEADERS
    )


@contextlib.contextmanager
def synth_varnish(answers, port):
    """A second varnishd with scripts/varnish.sh's parameters (in the foreground, so this
    process owns it) answering /home, /study, /listing with bodies of these pages' byte sizes
    and their headers: `answers` maps each name to (headers, size)."""
    folder = servers.varnish_dir(port)
    values = {}
    for name, (headers, size) in answers.items():
        values[f"{name.upper()}_BODY"] = "x" * size
        values[f"{name.upper()}_HEADERS"] = synth_headers(headers)
    (folder / "synth.vcl").write_text(render(SYNTH_VCL.read_text(), values))
    memory = os.environ.get("VARNISH_MEMORY", "128m")
    command = ["varnishd", "-F", "-a", f"127.0.0.1:{port}", "-f", str(folder / "synth.vcl")]
    command += ["-n", str(folder / "instance"), "-s", f"malloc,{memory}"]
    command += ["-p", "default_ttl=0", "-p", "default_grace=0"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        servers.wait_until_up(url + "/home", timeout=30)
        yield url
    finally:
        servers.stop(process, timeout=15)
        shutil.rmtree(folder, ignore_errors=True)


def measure(kind, page, url, args, header=None, instance=None):
    """Check the URL answers 200 (a cache hit when `header` names the cache's), warm it, run wrk
    while sampling `header`; with `instance`, Varnish's counters over the run."""
    for _ in range(3):
        status, headers, size, _ = get(url)
    if status != 200 or (header and headers.get(header) != "hit"):
        raise RuntimeError(f"{url}: {status}, {header}: {headers.get(header)}")
    options = {
        "threads": args.threads,
        "connections": args.connections,
        "timeout": args.timeout,
        "headers": HEADERS,
    }
    if args.warmup:
        wrk.run(url, args.warmup, **options)
    before = servers.varnish_counters(instance) if instance else None
    load = os.getloadavg()[0]
    with wrk.Sampler([url], header, HEADERS) if header else contextlib.nullcontext() as sampler:
        result, output = wrk.run(url, args.duration, profile=True, **options)
    result.update(kind=kind, page=page, url=url, body_bytes=size, load_before=round(load, 2))
    result["encoding"] = headers.get("Content-Encoding", "identity")
    result["header_bytes"] = sum(len(key) + len(value) + 4 for key, value in headers.items())
    result["samples"] = dict(sampler.counts) if sampler else None
    if instance:
        after = servers.varnish_counters(instance)
        result["varnish"] = {key: after[key] - before[key] for key in servers.VARNISH_COUNTERS}
    return reported(result, output, f"{kind:12} {page:8}", "")


def reported(result, output, label, extra):
    """Print one run's line (and wrk's output when anything failed); return its result."""
    print(
        f"  {label} {result['rps']:9.1f} req/s  p99 {result['p99_ms']} ms  {extra}"
        f"cpu: {wrk.describe(result.get('cpu'))}",
        flush=True,
    )
    if result["non_2xx"] or result["socket_errors"]:
        print(output, file=sys.stderr)
    return result


@contextlib.contextmanager
def publisher(env, page_id, log):
    """The long-lived editor process; yields publish(title) -> the time.time() at which
    publish() returned."""
    with open(log, "w") as errors:
        process = subprocess.Popen(
            [servers.PYTHON, "manage.py", "shell", "-c", PUBLISHER.format(pk=page_id)],
            cwd=servers.REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        lines = queue.Queue()

        def read():
            for line in process.stdout:
                if line.startswith("EDGE-BENCH "):
                    lines.put(line.split(" ", 1)[1].strip())
            lines.put(None)

        threading.Thread(target=read, daemon=True).start()

        def answer():
            line = lines.get(timeout=120)
            if line is None:
                raise RuntimeError(f"the publisher exited; see {log}")
            return line

        def publish(title):
            process.stdin.write(title + "\n")
            process.stdin.flush()
            return json.loads(answer())["returned"]

        try:
            if answer() != "ready":
                raise RuntimeError("the publisher did not start")
            yield publish
        finally:
            with contextlib.suppress(OSError):
                process.stdin.close()
            servers.stop(process, timeout=10)


def visible_after(url, title, returned):
    """Seconds from publish() returning until `title` is in the page at `url` (polled every
    50 ms), with the X-Edge-Cache of that response; None after VISIBLE_GIVE_UP s."""
    while time.time() - returned < VISIBLE_GIVE_UP:
        try:
            _, headers, _, body = get(url)
        except OSError:
            body, headers = "", {}
        if title in body:
            return round(time.time() - returned, 3), headers.get("X-Edge-Cache")
        time.sleep(POLL_SECONDS)
    return None, None


def under_load(edge, pages, args, instance, publish=None):
    """wrk (one process, a Lua script rotating the three pages) at 64 connections for
    --publish-duration s through Varnish; with `publish`, --publishes publishes spread over it."""
    duration = args.publish_duration
    handle, script = tempfile.mkstemp(prefix="edge-bench-", suffix=".lua")
    os.close(handle)
    script = Path(script)
    script.write_text(wrk.rotation_script(list(pages.values())))
    options = {"threads": args.threads, "connections": args.connections}
    options.update(timeout=args.timeout, headers=HEADERS, script=script)
    # From 1 s to 7 s before the end: a publish takes seconds on a loaded machine.
    schedule = [1 + i * (duration - 8) / max(args.publishes - 1, 1) for i in range(args.publishes)]
    publishes, token, ended = [], uuid.uuid4().hex[:8], []  # the end's CPU taken while wrk runs
    timer = threading.Timer(duration - 2, lambda: ended.append(wrk.cpu_snapshot()))
    try:
        if args.warmup:
            wrk.run(edge + "/", args.warmup, **options)
        before, load = servers.varnish_counters(instance), os.getloadavg()[0]
        process = wrk.start(edge + "/", duration, **options)
        try:
            started = time.monotonic()
            urls = [edge + path for path in pages.values()]
            with wrk.Sampler(urls, "X-Edge-Cache", HEADERS) as sampler:
                time.sleep(1)
                cpu_before = wrk.cpu_snapshot()
                timer.start()
                for number, at in enumerate(schedule if publish else [], 1):
                    time.sleep(max(0, started + at - time.monotonic()))
                    title = f"Edge bench title {number} {token}"
                    sent = time.time()
                    returned = publish(title)
                    seconds, cache = visible_after(edge + pages["study"], title, returned)
                    publishes.append(
                        {
                            "at_s": round(at, 1),
                            "publish_s": round(returned - sent, 3),
                            "visible_s": seconds,
                            "first_seen_x_edge_cache": cache,
                            "during_load": process.poll() is None,
                        }
                    )
                timer.join()
                cpu = wrk.cpu_split(cpu_before, ended[0])
            result, output = wrk.finish(process)
        finally:
            wrk.kill(process)
    finally:
        script.unlink(missing_ok=True)
        timer.cancel()
    after = servers.varnish_counters(instance)
    result.update(kind="publishes" if publish else "no publishes", cpu=cpu, load_before=load)
    result.update(samples=dict(sampler.counts), publishes=publishes)
    result["varnish"] = {key: after[key] - before[key] for key in servers.VARNISH_COUNTERS}
    return reported(result, output, f"{result['kind']:12}", f"non-2xx {result['non_2xx']}  ")


def resolve_pages(env):
    found = json.loads(
        servers.manage(env, "shell", "-c", PAGES.format(study=STUDY)).splitlines()[-1]
    )
    return {"home": "/", "study": STUDY, "listing": found["listing"]}, found["study_id"]


def run_all(args, settings):
    """Start everything, measure the three parts, stop everything; the rows."""
    rows = {"edge": [], "direct": [], "load": []}
    with contextlib.ExitStack() as stack:
        bare_db = stack.enter_context(scratch_database(args.database_url, "bare_edge"))
        portal_db = stack.enter_context(scratch_database(args.database_url, "portal_edge"))
        redis_url = stack.enter_context(redis_server())
        media = stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-edge-media-"))
        edge_port, synth_port = servers.free_port(), servers.free_port()
        wrk.claim(f"127.0.0.1:{edge_port}")  # varnish.sh daemonises it: not a child of ours
        print("starting the bare site, the portal and Varnish (migrate, demo content)...")
        bare = stack.enter_context(bare_site(bare_db, settings))
        portal, env = stack.enter_context(
            servers.production_server(
                portal_db,
                media_root=media,
                workers=settings["workers"],
                REDIS_URL=redis_url,
                EDGE_VARNISH_URLS=f"http://127.0.0.1:{edge_port}",
            )
        )
        edge, instance = stack.enter_context(
            servers.varnish(int(portal.rsplit(":", 1)[1]), edge_port)
        )
        pages, study_id = resolve_pages(env)
        answers = {}
        for name, path in pages.items():
            for _ in range(3):
                _, headers, size, _ = get(edge + path)
            answers[name] = (headers, size)
        sizes = {name: size for name, (_, size) in answers.items()}
        print(f"pages {pages}; bytes through the edge (gzip): {sizes}", flush=True)
        synth = stack.enter_context(synth_varnish(answers, synth_port))
        edge_rows = rows["edge"]
        edge_rows.append(measure("bare", "home", bare + "/", args))
        for name, path in pages.items():
            edge_rows.append(measure("edge", name, edge + path, args, "X-Edge-Cache", instance))
            edge_rows.append(measure("synth", name, f"{synth}/{name}", args))
            edge_rows.append(measure("bare", "home", bare + "/", args))
        for name, path in pages.items():
            rows["direct"].append(measure("portal cache", name, portal + path, args, "X-Cache"))
        rows["load"].append(under_load(edge, pages, args, instance))
        log = Path(tempfile.gettempdir(), f"edge-bench-publisher-{os.getpid()}.log")
        with publisher(env, study_id, log) as publish:
            rows["load"].append(under_load(edge, pages, args, instance, publish))
        log.unlink(missing_ok=True)
    return rows, pages


def summarise(rows):
    """Ratios (each edge run against the bare runs either side and the synth run after it),
    the share of edge requests that reached the portal,
    and the targets."""
    edge, checks = rows["edge"], {}
    for row in edge + rows["direct"]:
        share = (row.get("cpu") or {}).get(SERVER.get(row["kind"]))
        row["rps_per_core"] = round(100 * row["rps"] / share) if share else None
    bare = [i for i, row in enumerate(edge) if row["kind"] == "bare"]
    for i, row in enumerate(edge):
        if row["kind"] != "edge":
            continue
        around = [max(j for j in bare if j < i), min(j for j in bare if j > i)]
        row["bare_rps"] = round(sum(edge[j]["rps"] for j in around) / 2, 1)
        synth = edge[i + 1]
        row["synth_rps"], row["synth_header_bytes"] = synth["rps"], synth["header_bytes"]
        row["x_bare"] = round(row["rps"] / row["bare_rps"], 1)
        row["x_synth"] = round(row["rps"] / row["synth_rps"], 2)
        if row["rps_per_core"] and synth["rps_per_core"]:
            row["x_synth_per_core"] = round(row["rps_per_core"] / synth["rps_per_core"], 2)
        checks[f"{row['page']}: ≥ {EDGE_TARGET:g}× bare"] = row["x_bare"] >= EDGE_TARGET
        checks[f"{row['page']}: ≥ {SYNTH_TARGET:g}× synth"] = row["x_synth"] >= SYNTH_TARGET
        checks[f"{row['page']}: sampled X-Edge-Cache all hit"] = set(row["samples"]) == {"hit"}
    reach = Counter()
    for row in rows["edge"] + rows["load"]:
        reach.update(row.get("varnish") or {})
    quiet, busy = rows["load"]
    p99_ratio = round(busy["p99_ms"] / quiet["p99_ms"], 2)
    checks[f"publishes: p99 ≤ {P99_TARGET:g}× without"] = p99_ratio <= P99_TARGET
    checks["publishes: 0 non-2xx or socket errors"] = not (busy["non_2xx"] + busy["socket_errors"])
    seen = [row["visible_s"] for row in busy["publishes"]]
    checks[f"publishes: each visible ≤ {VISIBLE_TARGET:g} s"] = all(
        s is not None and s <= VISIBLE_TARGET for s in seen
    )
    return {
        "checks": checks,
        "targets_met": all(checks.values()),
        "p99_ratio": p99_ratio,
        "varnish_counters": dict(reach),
        "reached_portal_share": round(reach["backend_req"] / reach["client_req"], 6)
        if reach["client_req"]
        else None,
    }


def print_report(rows, summary, info):
    print("\n1. Cached pages through Varnish (Accept-Encoding: gzip for every run)\n")
    print(
        "| page | body B | headers B (synth) | edge req/s | p50 ms | p99 ms | samples | bare "
        "req/s | × bare | synth req/s | × synth | × synth per varnishd core | cpu (edge run, % "
        "of a core) |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|")
    for r in (row for row in rows["edge"] if row["kind"] == "edge"):
        print(
            f"| {r['page']} | {r['body_bytes']:,} | {r['header_bytes']} "
            f"({r['synth_header_bytes']}) | {r['rps']:,.0f} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{r['samples']} | {r['bare_rps']:,.1f} | {r['x_bare']} | {r['synth_rps']:,.0f} | "
            f"{r['x_synth']} | {r.get('x_synth_per_core')} | {wrk.describe(r.get('cpu'))} |"
        )
    print("\n2. The portal's own page cache (Redis), no Varnish\n")
    print("| page | req/s | p99 ms | req/s per gunicorn core |")
    print("|---|---:|---:|---:|")
    for row in rows["direct"]:
        print(f"| {row['page']} | {row['rps']:,.0f} | {row['p99_ms']} | {row['rps_per_core']} |")
    counts = summary["varnish_counters"]
    print(
        f"\nVarnish over the edge runs: {counts}; share of requests that reached the "
        f"portal: {summary['reached_portal_share']}"
    )
    print("\n3. Through Varnish, 64 connections, one wrk rotating home/study/listing\n")
    print(
        "| run | req/s | p50 ms | p99 ms | non-2xx | socket errors | samples | backend "
        "fetches | cpu |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---|")
    for r in rows["load"]:
        print(
            f"| {r['kind']} | {r['rps']:,.0f} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{r['non_2xx']} | {r['socket_errors']} | {r['samples']} | "
            f"{r['varnish']['backend_req']} | {wrk.describe(r['cpu'])} |"
        )
    print(f"\np99 with publishes / without: {summary['p99_ratio']}×")
    for number, row in enumerate(rows["load"][1]["publishes"], 1):
        print(
            f"publish {number} at {row['at_s']} s: publish() {row['publish_s']} s, new title "
            f"through Varnish {row['visible_s']} s later ({row['first_seen_x_edge_cache']}"
            f"{'' if row['during_load'] else ', after wrk had ended'})"
        )
    print()
    for check, met in summary["checks"].items():
        print(f"{'PASS' if met else 'MISS'}  {check}")
    print(
        f"\nmachine: {info['cpus']} CPUs, {info['cpu_model']}; load average "
        f"{info['load_average_start']} at the start, {info['load_average_end']} at the end"
    )


def main():
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("edge_bench: give a PostgreSQL URL (--database-url or DATABASE_URL)")
    for tool in ("wrk", "redis-server", "varnishd", "varnishstat"):
        if not shutil.which(tool):
            sys.exit(f"edge_bench: {tool} is not installed")
    # SIGTERM unwinds like Ctrl-C, so every server started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    settings = portal_gunicorn_settings()
    if args.workers:
        settings["workers"] = args.workers
    info = machine()
    info["load_average_start"] = [round(value, 2) for value in os.getloadavg()]
    started = time.monotonic()
    rows, pages = run_all(args, settings)
    info["load_average_end"] = [round(value, 2) for value in os.getloadavg()]
    summary = summarise(rows)
    print_report(rows, summary, info)
    report = {
        "machine": info,
        "wrk": {
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "publish_duration_s": args.publish_duration,
            "timeout": args.timeout,
            "headers": HEADERS,
        },
        "gunicorn": settings,
        "pages": pages,
        "elapsed_s": round(time.monotonic() - started, 1),
        "summary": summary,
        "results": rows,
    }
    servers.write_report(report, args.json)
    return 1 if args.fail_on_miss and not summary["targets_met"] else 0


if __name__ == "__main__":
    sys.exit(main())
