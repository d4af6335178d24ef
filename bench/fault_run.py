"""Fault run: stop the search engine, the newsletter provider, Redis and PostgreSQL in turn,
under load and under an editor's churn.

Why: the portal claims each of these outages degrades gracefully (database search,
queued provider syncs, cache misses). This serves the portal as production runs it
(gunicorn, a scratch PostgreSQL database, Redis started here, OpenSearch, the
Mailchimp stand-in, an SMTP sink), sends reading requests and a trickle of signups
(every other one confirmed through its emailed link) and checks that reading pages
never answer 5xx, searches answer from the database while the engine is down and
not after, and no signup is lost. Meanwhile an editor (bench/churn.py) keeps publishing,
editing, moving, unpublishing and deleting pages, a `search_index rebuild` runs in the
baseline, and PostgreSQL (a private cluster, bench/pgcluster.py) is stopped: cached pages are
served, everything else answers 503, never 500. At the end the store and the index hold the
same documents (`search_index status`, `search_index verify`). Everything binds 127.0.0.1
and stops by itself.

    .venv/bin/python -m bench.fault_run --database-url postgres://... \\
        --opensearch-url http://127.0.0.1:9200
"""

import argparse
import collections
import contextlib
import email
import email.policy
import http.client
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg
import redis
from aiosmtpd.controller import Controller

if not __package__:  # run as `python bench/<script>.py`: import from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import churn, pgcluster
from bench.fault_report import DATABASE_PHASE, PHASES, Report
from bench.fault_services import Node, RedisServer, drop_index, scratch_database
from bench.servers import REPO, free_port, manage, production_server
from tests.fake_mailchimp import FakeMailchimp

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter

CONFIRM_RE = re.compile(r"https?://[^/\s]+(/newsletter/confirm/[^/\s]+/)")
FALLBACK_MARKS = (b'"fallback": true', b"search service is not answering")
CLAIM_SECONDS = 10  # the outbox's claims (120 s in production): provider calls time out in 2 s
BREAKER_SECONDS = 16  # the cluster backend's RETRY_AFTER (15 s) and a margin
# Unique URLs ({n}) always miss the page cache, so they reach the search backend; {late} ones are
# first asked during the engine outage and again after it (a fallback answer kept in the cache would
# show then).
# fmt: off
READ_PATHS = ["/", "{study}", "{listing}", "/countries/ml/", "/search/?q=iccm",
              "/search/?q=costing&country=ML&type=study", "/api/search/?type=study",
              "/api/search/?q=community&topic=iccm&country=ML", "/search/?q=iccm+-zq{n}",
              "/api/search/?q=community+-zq{n}&country=ML",
              "/api/search/?q=policy&type=brief{late}", "/search/?q=policy{late}"]
# fmt: on


class Tally:
    def __init__(self):
        self.seconds, self.skipped = 0.0, ""
        # "2xx" ... "error", "signup 2xx" ...
        self.reads, self.signups = (
            collections.Counter(),
            collections.Counter(),
        )
        self.times, self.accepted, self.confirmed = [], [], []
        self.searches = self.fallback = 0


class Run:
    """What the load threads share: the target, the current phase and what was answered in each
    phase."""

    def __init__(self, url, inbox):
        self.url, self.inbox, self.id = url, inbox, uuid.uuid4().hex[:8]
        self.phase, self.stop, self.lock = PHASES[0], threading.Event(), threading.Lock()
        self.tallies = {name: Tally() for name in PHASES}
        # The first few answers that were not 2xx; failed cron runs
        self.unexpected, self.cron_errors = [], []
        self.engine_away_syncs = 0  # `search_index sync` runs that failed while the node was away
        self.database_down = None  # (began, ended), wall-clock seconds

    def record(
        self,
        phase,
        what,
        status,
        kind="read",
        address="",
        elapsed=0.0,
        search=False,
        fallback=False,
    ):
        """Count one answer in the phase it was asked in, or in the database's outage if it was
        still waiting for its answer when the outage began."""
        with self.lock:
            if self.phase == DATABASE_PHASE:
                phase = DATABASE_PHASE
            tally = self.tallies[phase]
            if kind == "read":
                tally.reads[status_class(status)] += 1
                tally.times.append(elapsed)
                tally.searches, tally.fallback = tally.searches + search, tally.fallback + fallback
            else:
                tally.signups[f"{kind} {status_class(status)}"] += 1
                if status == 200:
                    (tally.accepted if kind == "signup" else tally.confirmed).append(address)
            if not 200 <= status < 300 and len(self.unexpected) < 20:
                self.unexpected.append((phase, what[:80], status))


def status_class(status):
    return "error" if status == 0 else "503" if status == 503 else f"{status // 100}xx"


def request(base, method, path, body=None, headers=None, timeout=30):
    """(status, body) of one request on a new connection; status 0 when the connection failed."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return 0, b""
    finally:
        connection.close()


def reader(run, paths, number):
    """Reading requests back to back, round the list; searches note whether the database
    answered."""
    count = 0
    while not run.stop.is_set():
        count += 1
        path, phase = (
            paths[(count + number) % len(paths)].replace("{n}", f"{run.id}{number}x{count}"),
            run.phase,
        )
        if "{late}" in path and phase == "baseline":
            continue
        path, begun = path.replace("{late}", ""), time.monotonic()
        status, body = request(run.url, "GET", path)
        elapsed, search = (
            time.monotonic() - begun,
            path.startswith(("/search/", "/api/search/", "/countries/")),
        )
        fallback = status == 200 and search and any(mark in body for mark in FALLBACK_MARKS)
        run.record(phase, "GET " + path, status, elapsed=elapsed, search=search, fallback=fallback)


def signer(run, interval):
    """A steady trickle of signups, each with its own address (and interests, so tags are synced
    too)."""
    count = 0
    while not run.stop.wait(interval):
        count += 1
        address, phase = f"fault-{run.id}-{count}@example.org", run.phase
        fields = {
            "email": address,
            "name": f"Reader {count}",
            "consent": "on",
            "topics": "iccm",
            "countries": "ML",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Sec-Fetch-Site": "same-origin",
        }
        status, _ = request(
            run.url, "POST", "/newsletter/", urllib.parse.urlencode(fields).encode(), headers
        )
        run.record(phase, "POST /newsletter/", status, kind="signup", address=address)


def confirmer(run):
    """Follows the emailed link of every other signup (even-numbered addresses), as its reader
    would, and follows it again a little later if the site answered 503."""
    done, again = 0, []
    while not run.stop.wait(0.1):
        links = again
        again = []
        for address, text in run.inbox.messages[done:]:
            done += 1
            match = CONFIRM_RE.search(text)
            if match and not int(address.split("@")[0].rsplit("-", 1)[1]) % 2:
                links.append((address, match.group(1)))
        for address, link in links:
            phase = run.phase
            status, _ = request(run.url, "GET", link)
            what = "GET /newsletter/confirm/..."
            run.record(phase, what, status, kind="confirm", address=address)
            if status == 503:
                again.append((address, link))
        if again:
            run.stop.wait(1)


def cron(run, env, node):
    """`newsletter sync` and `search_index sync` every 5 s, as cron runs them; each run ends on
    its own (a killed one would hold its claims). A run that meets the database's outage fails,
    as it should, and so does a `search_index sync` while the node is away (its updates stay
    queued; the end checks that none is left)."""
    while not run.stop.wait(5):
        for command in (("newsletter", "sync"), ("search_index", "sync")):
            phase, away = run.phase, node.away()
            try:
                manage(env, *command, timeout=120)
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                if DATABASE_PHASE in (phase, run.phase):
                    continue
                if command[0] == "search_index" and (away or node.away()):
                    run.engine_away_syncs += 1
                    continue
                run.cron_errors.append(f"`{' '.join(command)}`: {str(error)[-500:]}")


class Inbox:
    """The SMTP sink (aiosmtpd): keeps (recipient, plain text) of every email the portal sends."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",)).get_content()
        self.messages.extend((rcpt.lower(), text) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def discover(url):
    """The reading URLs, with a study and a listing page found through the public API."""

    def first(page_type):
        with urllib.request.urlopen(
            f"{url}/api/v2/pages/?type={page_type}&limit=1", timeout=30
        ) as response:
            return urllib.parse.urlsplit(json.load(response)["items"][0]["meta"]["html_url"]).path

    study, listing = first("research.StudyPage"), first("briefs.PolicyBriefIndexPage")
    return [path.replace("{study}", study).replace("{listing}", listing) for path in READ_PATHS]


def fault_run(database_url, opensearch_url="", phase_seconds=20.0, threads=12, signup_interval=0.25,
              engine_control=True, log=print, log_dir=None, corpus_pages=0):  # fmt: skip
    """Serve, load, churn, fault, recover and check; returns a Report. Restarts whatever it
    stopped before returning. PostgreSQL is a private cluster when this machine can run one
    (the database's phase is skipped otherwise, on the server `database_url` names)."""
    with contextlib.ExitStack() as stack:
        folder = Path(
            log_dir or stack.enter_context(tempfile.TemporaryDirectory(prefix="fault-run-"))
        )
        cluster = None
        if not pgcluster.unavailable_reason():
            cluster = stack.enter_context(pgcluster.cluster())
            database_url = cluster.url
        elif not database_url.startswith(("postgres://", "postgresql://")):
            raise ValueError(
                "the fault run needs PostgreSQL: two gunicorn workers writing to SQLite get "
                f"'locked', and {pgcluster.unavailable_reason()}"
            )
        database = stack.enter_context(scratch_database(database_url))
        redis_server = RedisServer(folder)
        stack.callback(redis_server.stop)
        redis_server.start()
        provider, inbox = stack.enter_context(FakeMailchimp()), Inbox()
        # Its "timeout" fault answers after the client gave up
        provider.httpd.handle_error = lambda *args: None
        smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        stack.callback(smtp.stop)
        index = f"fault-{uuid.uuid4().hex[:8]}"
        extra = dict(REDIS_URL=f"redis://127.0.0.1:{redis_server.port}/0", LOG_LEVEL="WARNING",
                     OPENSEARCH_URL=opensearch_url or "", ELASTICSEARCH_URL="", SEARCH_INDEX=index,
                     SEARCH_TIMEOUT=10, MAILCHIMP_API_KEY=provider.api_key,
                     MAILCHIMP_LIST_ID=provider.list_id, MAILCHIMP_API_URL=provider.url,
                     NEWSLETTER_WEBHOOK_URL="", NEWSLETTER_PROVIDER_TIMEOUT=2,
                     NEWSLETTER_RATE_IP="1000000/3600", EMAIL_HOST="127.0.0.1",
                     EMAIL_PORT=smtp.port, EMAIL_USE_TLS=0, EMAIL_TIMEOUT=5,
                     DEFAULT_FROM_EMAIL="updates@fault-run.test",
                     NEWSLETTER_CLAIM_SECONDS=CLAIM_SECONDS)  # fmt: skip
        started, server_log = time.monotonic(), folder / "gunicorn.log"
        log(
            "fault run: migrating a scratch database, loading the demo, building the index, "
            "starting gunicorn"
        )
        url, env = stack.enter_context(
            production_server(database, demo=True, workers=2, log=server_log, **extra)
        )
        if opensearch_url:
            stack.callback(drop_index, opensearch_url, index)
        node = Node(opensearch_url, env, log)
        stack.callback(node.ensure_started)
        log(f"fault run: serving {url} after {time.monotonic() - started:.0f} s")
        if corpus_pages:
            log(f"fault run: adding {corpus_pages} synthetic pages (bench/corpus.py) and indexing")
            subprocess.run([sys.executable, "-m", "bench.corpus", "generate", "--pages",
                            str(corpus_pages)], cwd=REPO, env=env, check=True,
                           capture_output=True, timeout=1800)  # fmt: skip
            manage(env, "search_index", "rebuild", timeout=1800)
        run, paths = Run(url, inbox), discover(url)
        writer = churn.Writer(env, folder)
        writer.start()
        stack.callback(writer.stop)
        workers = [threading.Thread(target=reader, args=(run, paths, n)) for n in range(threads)]
        workers += [threading.Thread(target=signer, args=(run, signup_interval))]
        workers += [
            threading.Thread(target=confirmer, args=(run,)),
            threading.Thread(target=cron, args=(run, env, node)),
        ]
        for worker in workers:
            worker.start()
        try:
            phases(
                run,
                phase_seconds,
                node if opensearch_url and engine_control else None,
                provider,
                redis_server,
                log,
                env,
                cluster,
            )
        finally:
            run.stop.set()
            for worker in workers:
                worker.join(timeout=150)  # a cron run may take up to its 120 s timeout
        log(
            "fault run: load stopped; delivering what the outages left queued (newsletter sync "
            "--now)"
        )
        wait_for_claims(database)
        sync = " ".join(manage(env, "newsletter", "sync", "--now").split())
        operations = writer.stop()
        settled = churn.settle(env)
        report = Report(run, database, provider, sync, server_log.read_text(errors="replace"))
        report.add_churn(operations, settled, writer.errors)
        return report


def wait_for_claims(database):
    """Until no outbox claim is held: an attempt the database's outage cut short keeps its claim
    until it expires (portal.retry), and only then can the message be sent again."""
    deadline = time.monotonic() + CLAIM_SECONDS + 10
    while time.monotonic() < deadline:
        with psycopg.connect(database) as connection:
            held = connection.execute(
                "SELECT count(*) FROM newsletter_outboxmessage WHERE claimed_until > now()"
            ).fetchone()[0]
        if not held:
            return
        time.sleep(0.5)


def phases(run, seconds, node, provider, redis_server, log, env, cluster):
    """Each fault in turn, `seconds` long; the load and the churn keep running throughout."""

    def enter(phase):
        log(f"fault run: {phase}")
        run.phase = phase
        return time.monotonic()

    def hold(phase, begun, until):
        time.sleep(max(0.0, until - time.monotonic()))
        run.tallies[phase].seconds = time.monotonic() - begun

    begun = enter("baseline")
    rebuilt = {}
    rebuilding = threading.Thread(target=lambda: rebuilt.update(done=churn.rebuild(env)))
    rebuilding.start()  # while the editor publishes: the race the seams issue closed
    rebuilding.join(timeout=600)
    run.rebuild = rebuilt.get("done", (0.0, "did not finish in 600 s"))
    log(f"fault run: `search_index rebuild` during the churn took {run.rebuild[0]:.1f} s")
    hold("baseline", begun, begun + seconds)
    begun = enter("engine-down")
    if node:
        node.stop()
        hold("engine-down", begun, begun + seconds)
        node.restart_in_background()  # the next phases need not wait for it
    else:
        run.tallies["engine-down"].skipped = "no OpenSearch, or not allowed to stop it"
        log("fault run: engine-down skipped (no OpenSearch, or not allowed to stop it)")
    begun = enter("provider-down")
    # Refused, erroring, then too slow
    for third, fault in enumerate(("down", "500", "timeout"), start=1):
        provider.fault = fault
        # Let the next confirmation try it in its request: the outbox's 30 s breaker would skip it
        # (its cache key: Django's ":1:" prefix and portal.retry.Breaker's "breaker:<name>").
        redis.Redis(port=redis_server.port).delete(":1:breaker:newsletter:outbox:provider")
        time.sleep(max(0.0, begun + seconds * third / 3 - time.monotonic()))
    provider.fault = None
    hold("provider-down", begun, 0)
    begun = enter("redis-down")
    redis_server.stop()
    hold("redis-down", begun, begun + seconds)
    redis_server.start()
    begun = enter(DATABASE_PHASE)
    if cluster:
        cluster.stop()
        down = time.time()
        hold(DATABASE_PHASE, begun, begun + seconds)
        cluster.start()
        run.database_down = (down, time.time())
    else:
        run.tallies[DATABASE_PHASE].skipped = pgcluster.unavailable_reason()
    begun = enter("recovering")
    if node:
        node.restart.join(timeout=400)
        if node.stopped or node.rebuilt_at is None:
            raise RuntimeError("OpenSearch did not start again, or its index was not rebuilt")
        # Every worker's breaker has closed
        hold("recovering", begun, node.rebuilt_at + BREAKER_SECONDS)
    else:
        hold("recovering", begun, begun + 6)  # workers reconnect to Redis on their next call
    begun = enter("recovered")
    hold("recovered", begun, begun + seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", ""), help="a PostgreSQL server"
    )
    parser.add_argument(
        "--opensearch-url", default=os.environ.get("OPENSEARCH_URL", ""), help="unset: no engine"
    )
    parser.add_argument(
        "--phase-seconds", type=float, default=20.0, help="seconds per phase (default 20)"
    )
    parser.add_argument("--threads", type=int, default=12, help="reading threads (default 12)")
    parser.add_argument(
        "--signup-interval", type=float, default=0.25, help="seconds between signups"
    )
    parser.add_argument(
        "--no-engine-stop", action="store_true", help="do not stop and restart OpenSearch"
    )
    parser.add_argument(
        "--log-dir", help="keep gunicorn.log and redis.log here (default: a temporary folder)"
    )
    parser.add_argument(
        "--corpus-pages", type=int, default=2000, help="synthetic pages added to the demo"
    )
    args = parser.parse_args()
    report = fault_run(args.database_url, args.opensearch_url, args.phase_seconds, args.threads,
                       args.signup_interval, not args.no_engine_stop,
                       log_dir=args.log_dir, corpus_pages=args.corpus_pages)  # fmt: skip
    print(report.table())
    for problem in report.problems:
        print("PROBLEM:", problem)
    print(
        "fault run:",
        "FAILED"
        if report.problems
        else "passed: no 500 and no 5xx outside the database's outage, no signup lost, no drift",
    )
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
