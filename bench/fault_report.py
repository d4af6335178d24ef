"""The fault run's report (bench/fault_run.py): the figures of each phase, and every problem
found, from the run's tallies, the database, the provider stand-in and gunicorn's log."""

import collections
import re

import psycopg

from bench import churn

PHASES = ("baseline", "engine-down", "provider-down", "redis-down", "postgres-down", "recovering",
          "recovered")  # fmt: skip
DATABASE_PHASE = "postgres-down"  # where 503 is the right answer for what the cache lacks
SERVER_ERROR_RE = re.compile(r"^Internal Server Error: /.*$", re.MULTILINE)


class Report:
    """The per-phase figures and every problem found (an empty `problems` means the run passed)."""

    def __init__(self, run, database, provider, sync, server_log):
        self.run, self.sync, self.problems = run, sync, []
        with psycopg.connect(database) as connection:
            self.subscribers = dict(
                connection.execute("SELECT lower(email), status FROM newsletter_subscriber")
            )
            outbox = connection.execute(
                "SELECT kind, state, lower(email), last_error FROM newsletter_outboxmessage"
            ).fetchall()
        self.outbox = collections.Counter((kind, state) for kind, state, _, _ in outbox)
        errors = [error for kind, _, _, error in outbox if kind == "provider" and error]
        self.retried, self.provider_errors = (
            len(errors),
            sorted({error.split(":")[0] for error in errors}),
        )
        self.members = {m["email_address"].lower(): m["status"] for m in provider.members.values()}
        accepted = {a for t in run.tallies.values() for a in t.accepted}
        confirmed = {a for t in run.tallies.values() for a in t.confirmed}
        problem, status_of, members = self.problems.append, self.subscribers.get, self.members
        for name, tally in run.tallies.items():
            allowed = {"503"} if name == DATABASE_PHASE else set()
            if set(tally.reads) - {"2xx", *allowed}:
                problem(f"{name}: reading requests not answered 2xx: {dict(tally.reads)}")
            allowed = {"signup 503", "confirm 503"} if name == DATABASE_PHASE else set()
            if set(tally.signups) - {"signup 2xx", "confirm 2xx", *allowed}:
                problem(f"{name}: signups or confirmations not answered 200: {dict(tally.signups)}")
        if run.database_down and not run.tallies[DATABASE_PHASE].reads["2xx"]:
            problem(f"{DATABASE_PHASE}: no cached page was served while the database was down")
        if not run.tallies["engine-down"].skipped and not run.tallies["engine-down"].fallback:
            problem("engine-down: no search was answered from the database fallback")
        if run.tallies["recovered"].fallback:
            problem(
                f"recovered: {run.tallies['recovered'].fallback} searches still answered by the "
                "fallback"
            )
        if run.tallies["provider-down"].confirmed and not self.retried:
            problem("provider-down: no provider sync failed, so the outage was not exercised")
        kinds = {
            kind: {address for k, _, address, _ in outbox if k == kind}
            for kind in ("email", "provider")
        }
        checks = {
            "accepted signups without a Subscriber row": accepted - self.subscribers.keys(),
            "accepted signups without a queued confirmation email": accepted - kinds["email"],
            "accepted signups whose confirmation email never arrived":
                accepted - {a for a, _ in run.inbox.messages},
            "unconfirmed signups not pending":
                {a for a in accepted - confirmed if status_of(a) != "pending"},
            "confirmed addresses not subscribed":
                {a for a in confirmed if status_of(a) != "subscribed"},
            "confirmed addresses without a queued provider sync": confirmed - kinds["provider"],
            "confirmed addresses not subscribed at the provider":
                {a for a in confirmed if members.get(a) != "subscribed"},
            "provider members never confirmed": members.keys() - confirmed,
            "provider members created more than once":
                {h for h, n in provider.created.items() if n != 1},
        }  # fmt: skip
        for what, found in checks.items():
            if found:
                problem(f"{len(found)} {what}: {sorted(found)[:5]}")
        undelivered = {
            f"{kind} {state}": n for (kind, state), n in self.outbox.items() if state != "sent"
        }
        if undelivered:
            problem(
                f"outbox messages not delivered after `newsletter sync --now`: {undelivered} "
                f"({sync})"
            )
        if run.cron_errors:
            problem(
                f"{len(run.cron_errors)} cron runs failed outside an outage they meet; the first: "
                f"{run.cron_errors[0]}"
            )
        crashes = SERVER_ERROR_RE.findall(server_log)  # Django's log of each 500 it answered
        if crashes:
            first = server_log[server_log.index(crashes[0]) :][:3000]
            problem(f"gunicorn logged {len(crashes)} 'Internal Server Error'; the first:\n{first}")
        if self.problems and run.unexpected:
            problem(f"first answers that were not 2xx: {run.unexpected[:8]}")
        self.accepted, self.confirmed = accepted, confirmed
        self.churn = {}

    def add_churn(self, operations, settled, writer_errors):
        """The editor's operations, the rebuild during them, and what the store and the index
        hold once everything queued is delivered."""
        status, verify_output, verify_code = settled
        seconds, error = getattr(self.run, "rebuild", (0.0, "never ran"))
        if error:
            self.problems.append(f"`search_index rebuild` during the churn failed: {error}")
        self.problems.extend(
            churn.problems(
                operations,
                self.run.database_down,
                status,
                verify_output,
                verify_code,
                writer_errors,
            )  # fmt: skip
        )
        self.churn = {
            "operations": churn.summary(operations),
            "rebuild seconds": round(seconds, 1),
            "status": " ".join(status.split()),
            "verify": verify_output.strip(),
        }

    def table(self):
        head = ("phase", "s", "reads", "2xx", "4xx", "503", "5xx", "err", "p95 ms", "max ms",
                "search", "fallbk", "signup", "200", "stored", "confirm", "member")  # fmt: skip
        rows = [head]
        for name, t in self.run.tallies.items():
            if t.skipped:
                rows.append((name, f"skipped: {t.skipped}"))
                continue
            times = sorted(t.times) or [0.0]
            latency = (round(1000 * times[int(0.95 * (len(times) - 1))]), round(1000 * times[-1]))
            reads = (
                sum(t.reads.values()),
                t.reads["2xx"],
                t.reads["4xx"],
                t.reads["503"],
                t.reads["5xx"],
                t.reads["error"],
            )
            stored = sum(a in self.subscribers for a in t.accepted)
            members = sum(self.members.get(a) == "subscribed" for a in t.confirmed)
            signups = (
                sum(n for k, n in t.signups.items() if k.startswith("signup")),
                len(t.accepted),
                stored,
            )
            rows.append((name, f"{t.seconds:.0f}", *reads, *latency, t.searches, t.fallback,
                         *signups, len(t.confirmed), members))  # fmt: skip
        lines = [
            "  ".join(f"{cell!s:>{14 if i == 0 else 6}}" for i, cell in enumerate(row))
            for row in rows
        ]
        outbox = ", ".join(
            f"{kind} {state} {n}" for (kind, state), n in sorted(self.outbox.items())
        )
        lines.append(
            f"outbox after the sync: {outbox}; {self.retried} provider syncs had failed at least "
            "once"
        )
        lines.append(f"provider errors seen: {', '.join(self.provider_errors) or 'none'}")
        lines.append(f"provider members: {len(self.members)}; `newsletter sync --now`: {self.sync}")
        lines.append(
            f"`search_index sync` runs that failed while the node was away (updates kept queued): "
            f"{self.run.engine_away_syncs}"
        )
        for name, value in self.churn.items():
            lines.append(f"churn, {name}: {value}")
        return "\n".join(lines)
