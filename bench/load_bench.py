"""Load benchmark: wrk against a bare `wagtail start` home page and the portal, cached and uncached.

Everything runs on 127.0.0.1 and stops by itself: scratch PostgreSQL databases,
Redis, the bare site (outside the repository) and the portal with production
settings, each under gunicorn with the same settings. See bench/README.md.
"""

import argparse
import contextlib
import os
import platform
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

if not __package__:  # run as `python bench/<script>.py`: import from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import (
    GUNICORN,
    PYTHON,
    REPO,
    free_port,
    gunicorn,
    production_server,
    stop,
    write_report,
)
from bench.wrk import run as run_wrk

WAGTAIL = str(Path(PYTHON).with_name("wagtail"))
ICCM = "/research-areas/community-care-strategies/integrated-community-case-management/"
STUDY = ICCM + "costing-of-iccm/"
PORTAL_URLS = {"home": "/", "study": STUDY, "search": "/search/?q=costing&country=ML"}
UNCACHED_STUDY_TARGET = 0.5  # uncached study page req/s, as a share of the bare home page's
CACHED_TARGET = 10.0  # every cached page, as a multiple of the bare home page's
GZIP = {"Accept-Encoding": "gzip"}
# gunicorn settings read from the portal's gunicorn.conf.py and written into the bare site's.
GUNICORN_KEYS = (
    "threads",
    "timeout",
    "graceful_timeout",
    "keepalive",
    "max_requests",
    "max_requests_jitter",
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run (default 30)")
    parser.add_argument(
        "--warmup", type=int, default=3, help="seconds of untimed wrk load per URL first"
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers for both sites (default: gunicorn.conf.py's)",
    )
    parser.add_argument(
        "--timeout",
        default="10s",
        help="wrk --timeout (default 10s; wrk's own 2s counts a queue as errors)",
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", ""), help="a PostgreSQL URL"
    )
    parser.add_argument(
        "--json", default=str(REPO / "bench/results/load-bench.json"), help="'-' for stdout"
    )
    parser.add_argument(
        "--fail-on-miss", action="store_true", help="exit 1 when a ratio target is missed"
    )
    return parser.parse_args()


def with_database(url, name):
    return urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()


@contextlib.contextmanager
def scratch_database(url, name):
    """A fresh PostgreSQL database named `name` on the server `url` names, dropped on exit."""
    import psycopg

    def execute(sql):
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(sql)

    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(url, name)
    finally:
        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def redis_server():
    """redis-server on a free port on 127.0.0.1, without persistence; yields its URL."""
    import redis

    port = free_port()
    command = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis(host="127.0.0.1", port=port, socket_timeout=1).ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process, timeout=10)


def portal_gunicorn_settings():
    """The values the portal's gunicorn.conf.py sets (as gunicorn evaluates it for
    production_server)."""
    saved = os.environ.get("GUNICORN_ACCESS_LOG")
    os.environ["GUNICORN_ACCESS_LOG"] = ""  # what bench/servers.production_env sets
    try:
        values = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    finally:
        if saved is None:
            os.environ.pop("GUNICORN_ACCESS_LOG")
        else:
            os.environ["GUNICORN_ACCESS_LOG"] = saved
    found = {key: values[key] for key in GUNICORN_KEYS if key in values}
    found.update(accesslog=values.get("accesslog"), errorlog=values.get("errorlog", "-"))
    found["worker_class"] = values.get("worker_class", "sync")
    found["workers"] = values["workers"]
    return found


BARE_SETTINGS = """\
import dj_database_url

SECRET_KEY = "bench-" + "b" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
DATABASES = {{"default": dj_database_url.parse({url!r}, conn_max_age=60, conn_health_checks=True)}}
"""


def run(command, cwd, env, timeout=600):
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


@contextlib.contextmanager
def bare_site(database_url, gunicorn_settings):
    """`wagtail start bare` in a scratch folder, on its own database, served by gunicorn like the
    portal."""
    folder = Path(tempfile.mkdtemp(prefix="portal-bare-"))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
        env["DJANGO_SETTINGS_MODULE"] = "bare.settings.production"
        run([WAGTAIL, "start", "bare", str(folder)], cwd=folder, env=env)
        (folder / "bare/settings/local.py").write_text(BARE_SETTINGS.format(url=database_url))
        conf = "".join(f"{key} = {value!r}\n" for key, value in gunicorn_settings.items())
        (folder / "gunicorn.conf.py").write_text(conf)
        run([PYTHON, "manage.py", "migrate", "--noinput"], cwd=folder, env=env)
        run([PYTHON, "manage.py", "collectstatic", "--noinput"], cwd=folder, env=env)
        with gunicorn(
            env, app="bare.wsgi", cwd=folder, workers=gunicorn_settings["workers"]
        ) as url:
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fetch(url):
    """GET with Accept-Encoding: gzip, without following redirects; (status, headers, body
    bytes)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=GZIP), timeout=30) as response:
            return response.status, response.headers, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, 0


def wrk(url, duration, args):
    return run_wrk(
        url,
        duration,
        threads=args.threads,
        connections=args.connections,
        timeout=args.timeout,
        headers=GZIP,
    )


def measure(site, mode, name, url, args):
    """Check the URL answers 200 (and a cache hit when cached), warm it up, then run wrk."""
    for _ in range(5):
        status, headers, size = fetch(url)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
    if mode == "cached" and headers.get("X-Cache") != "hit":
        raise RuntimeError(
            f"{url} is not served from the page cache (X-Cache: {headers.get('X-Cache')})"
        )
    if args.warmup:
        wrk(url, args.warmup, args)
    load = os.getloadavg()[0]
    result, output = wrk(url, args.duration, args)
    result.update(site=site, mode=mode, page=name, url=url, load_before=round(load, 2))
    result.update(encoding=headers.get("Content-Encoding", "identity"), body_bytes=size)
    print(
        f"  {site:6} {mode:8} {name:6} {result['rps']:9.1f} req/s  p99 {result['p99_ms']} ms",
        flush=True,
    )
    if result["non_2xx"] or result["socket_errors"]:
        print(output, file=sys.stderr)
    return result


def machine():
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    model = next(
        (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), ""
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def summarise(results):
    """Ratios and targets: each portal run against the mean of the bare runs just before and after
    it, bare runs against the mean of all of them."""
    bare = [i for i, row in enumerate(results) if row["site"] == "bare"]
    overall = sum(results[i]["rps"] for i in bare) / len(bare)
    checks = []
    for index, row in enumerate(results):
        before = max((i for i in bare if i < index), default=bare[0])
        after = min((i for i in bare if i > index), default=bare[-1])
        reference = (
            overall
            if row["site"] == "bare"
            else (results[before]["rps"] + results[after]["rps"]) / 2
        )
        row["bare_reference_rps"] = round(reference, 1)
        row["ratio"] = round(row["rps"] / reference, 2) if reference else None
        target = None
        if row["site"] == "portal" and row["mode"] == "cached":
            target = CACHED_TARGET
        elif row["site"] == "portal" and row["page"] == "study":
            target = UNCACHED_STUDY_TARGET
        row["target"] = target
        row["met"] = None if target is None else row["ratio"] >= target
        if target is not None:
            checks.append(row["met"])
    return overall, all(checks)


def table(results):
    lines = [
        "| site | mode | page | req/s | p50 ms | p99 ms | non-2xx | socket errors | load "
        "| bare req/s | × bare | target | |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        target = f"≥ {r['target']:g}×" if r["target"] else ""
        verdict = "" if r["met"] is None else ("PASS" if r["met"] else "MISS")
        lines.append(
            f"| {r['site']} | {r['mode']} | {r['page']} | {r['rps']:,.1f} | {r['p50_ms']} | "
            f"{r['p99_ms']} "
            f"| {r['non_2xx']} | {r['socket_errors']} | {r['load_before']} | "
            f"{r['bare_reference_rps']:,.1f} "
            f"| {r['ratio']} | {target} | {verdict} |"
        )
    return "\n".join(lines)


def main():
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "load_bench: give a PostgreSQL URL (--database-url or DATABASE_URL; "
            "scripts/postgres-start.sh)"
        )
    for tool in ("wrk", "redis-server"):
        if not shutil.which(tool):
            sys.exit(f"load_bench: {tool} is not installed")
    if not Path(GUNICORN).exists():
        sys.exit(f"load_bench: {GUNICORN} is missing (make install)")
    settings = portal_gunicorn_settings()
    if args.workers:
        settings["workers"] = args.workers
    print(f"gunicorn (both sites): {settings}", flush=True)
    started = time.monotonic()
    load_start = [round(value, 2) for value in os.getloadavg()]
    results = []
    with contextlib.ExitStack() as stack:
        bare_db = stack.enter_context(scratch_database(args.database_url, "bare_load"))
        portal_db = stack.enter_context(scratch_database(args.database_url, "portal_load"))
        redis_url = stack.enter_context(redis_server())
        media = stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-load-media-"))
        print(
            "starting the bare site, and the portal cached and uncached (migrate, demo content)...",
            flush=True,
        )
        bare = stack.enter_context(bare_site(bare_db, settings))
        portal = {"media_root": media, "workers": settings["workers"], "REDIS_URL": redis_url}
        cached, _ = stack.enter_context(production_server(portal_db, **portal))
        uncached, _ = stack.enter_context(
            production_server(portal_db, demo=False, PAGE_CACHE_TIMEOUT=0, **portal)
        )
        setup = time.monotonic() - started
        print(
            f"ready in {setup:.0f} s; wrk -t{args.threads} -c{args.connections} -d{args.duration}s",
            flush=True,
        )
        # Bare runs between the portal's: the machine's speed drifts, so each portal run is
        # compared with the bare runs just before and after it.
        results.append(measure("bare", "-", "home", bare + "/", args))
        for mode, base in (("uncached", uncached), ("cached", cached)):
            for name, path in PORTAL_URLS.items():
                results.append(measure("portal", mode, name, base + path, args))
                results.append(measure("bare", "-", "home", bare + "/", args))
    bare_runs = [row["rps"] for row in results if row["site"] == "bare"]
    bare_rps, met = summarise(results)
    errors = sum(row["non_2xx"] + row["socket_errors"] for row in results)
    print()
    print(table(results))
    print()
    runs = ", ".join(f"{rps:.1f}" for rps in bare_runs)
    print(
        f"bare home: {runs} req/s (mean {bare_rps:.1f}); each portal run is compared with the bare "
        "runs around it"
    )
    print(
        "load: the 1-minute load average before each run (other work on the machine skews the "
        "figures)"
    )
    print(
        f"targets: uncached study ≥ {UNCACHED_STUDY_TARGET}× bare, cached pages ≥ "
        f"{CACHED_TARGET:g}× bare: ",
        end="",
    )
    print("PASS" if met else "MISS")
    info = machine()
    info["load_average_start"], info["load_average_end"] = (
        load_start,
        [round(v, 2) for v in os.getloadavg()],
    )
    print(
        f"machine: {info['cpus']} CPUs, {info['cpu_model']}; load average {load_start} at the "
        "start, ",
        end="",
    )
    print(
        f"{info['load_average_end']} at the end (1, 5, 15 min; wrk, PostgreSQL and Redis run here "
        "too)"
    )
    report = {
        "machine": info,
        "wrk": {
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "timeout": args.timeout,
            "headers": GZIP,
        },
        "gunicorn": settings,
        "bare_rps_mean": round(bare_rps, 1),
        "targets": {
            "uncached_study_vs_bare": UNCACHED_STUDY_TARGET,
            "cached_vs_bare": CACHED_TARGET,
        },
        "targets_met": met,
        "setup_s": round(setup, 1),
        "results": results,
    }
    write_report(report, args.json)
    if errors:
        print(f"FAIL: {errors} non-2xx responses or socket errors", file=sys.stderr)
        return 1
    return 1 if args.fail_on_miss and not met else 0


if __name__ == "__main__":
    sys.exit(main())
