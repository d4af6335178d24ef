"""The churn half of the fault run: an editor who keeps changing pages while the run breaks
things, a rebuild in the middle, and the checks that nothing drifted after it.

The writer is one long-lived `manage.py shell` process, as an editor's publishes come from a
running server, not a fresh start. It creates findings under the demo's publications, and in
turn edits, moves (between the publications and a study), unpublishes and deletes them, and
logs every operation, with its outcome and time, as a JSON line. A database error is logged
and the writer carries on when the database is back: an editor meets it as the 503 page.
"""

import json
import subprocess
import time
from pathlib import Path

from bench.servers import PYTHON, REPO, manage

WRITER = r"""
import json, os, random, sys, time
from django.db import close_old_connections, connection
from django.db.utils import InterfaceError, OperationalError
from research.models import FindingsPage, PublicationIndexPage, StudyPage

LOG, STOP, PAUSE = sys.argv[-3], sys.argv[-2], float(sys.argv[-1])
random.seed(7)
OPS = ("create", "create", "edit", "move", "unpublish", "create", "edit", "delete")
count = 0


def parents():
    lang = {"locale__language_code": "en"}
    return [PublicationIndexPage.objects.live().filter(**lang).first(),
            StudyPage.objects.live().filter(**lang).first()]


def mine(live=True):
    found = FindingsPage.objects.filter(title__startswith="Churn finding")
    return list(found.filter(live=True) if live else found)


def do(op):
    global count
    if op == "create":
        count += 1
        home = parents()[count % 2]
        page = FindingsPage(title=f"Churn finding {os.getpid()}-{count}",
                            slug=f"churn-{os.getpid()}-{count}", summary="Churn.")
        home.add_child(instance=page)
        page.save_revision().publish()
        return page.pk
    pages = mine(live=op != "delete")
    if not pages:
        return None
    page = random.choice(pages)
    if op == "edit":
        page.title = page.title.split(" (")[0] + f" (edit {time.time():.0f})"
        page.save_revision().publish()
    elif op == "move":
        target = next(p for p in parents() if not page.is_child_of(p))
        page.move(target, pos="last-child")
    elif op == "unpublish":
        page.unpublish()
    else:
        page.delete()
    return page.pk


step = 0
with open(LOG, "a") as log:
    while not os.path.exists(STOP):
        op = OPS[step % len(OPS)]
        step += 1
        began = time.time()
        try:
            close_old_connections()
            page = do(op)
            entry = {"op": op, "page": page, "ok": True}
        except (OperationalError, InterfaceError) as error:
            entry = {"op": op, "ok": False, "database": True, "error": str(error)[:200]}
            connection.close()
        except Exception as error:
            entry = {"op": op, "ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
        log.write(json.dumps({**entry, "began": began, "ended": time.time()}) + "\n")
        log.flush()
        time.sleep(PAUSE)
"""


class Writer:
    """The editor's process: started, then stopped and its log read."""

    def __init__(self, env, folder, pause=0.2):
        self.env, self.pause = env, pause
        self.log, self.stop_file = Path(folder, "churn.jsonl"), Path(folder, "churn.stop")

    def start(self):
        self.stop_file.unlink(missing_ok=True)
        # `shell -c` takes no arguments: they reach the script through sys.argv, set first.
        code = f"import sys; sys.argv += {[str(self.log), str(self.stop_file), str(self.pause)]!r}"
        command = [PYTHON, "manage.py", "shell", "-c", code + "\n" + WRITER]
        self.process = subprocess.Popen(
            command, cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def stop(self, timeout=60):
        self.stop_file.touch()
        try:
            _, errors = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, errors = self.process.communicate()
        self.errors = errors.decode(errors="replace")[-2000:] if self.process.returncode else ""
        return self.operations()

    def operations(self):
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


def rebuild(env):
    """`search_index rebuild` (store and engine) while the writer runs: (seconds, error or "")."""
    began = time.monotonic()
    try:
        manage(env, "search_index", "rebuild", timeout=600)
        return time.monotonic() - began, ""
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        return time.monotonic() - began, str(error)[-1000:]


def settle(env):
    """Deliver what the outages left queued, then (status output, verify output, verify's
    exit code)."""
    manage(env, "search_index", "sync", "--now", timeout=600)
    status = manage(env, "search_index", "status")
    verify = subprocess.run(
        [PYTHON, "manage.py", "search_index", "verify"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return status, verify.stdout + verify.stderr, verify.returncode


def problems(operations, database_down, status, verify_output, verify_code, writer_errors=""):
    """What went wrong: an editor's error outside the database's outage (`database_down`:
    (began, ended) wall-clock seconds, with a margin), too little churn, or drift."""
    found = []
    if writer_errors:
        found.append(f"the churn writer crashed: {writer_errors}")
    done = [op for op in operations if op["ok"]]
    if len(done) < 10:
        found.append(f"only {len(done)} churn operations succeeded: not enough to mean anything")
    down_began, down_ended = database_down or (0, 0)
    for op in operations:
        if op["ok"]:
            continue
        during = down_began - 1 <= op["ended"] and op["began"] <= down_ended + 5
        if not (op.get("database") and during):
            found.append(f"an editor's {op['op']} failed outside the database outage: {op}")
            break
    counts = [int(n) for n in _numbers(status, ("in the database store", "in the index"))]
    if len(counts) == 2 and counts[0] != counts[1]:
        found.append(f"store and index differ after the run: {status.strip()}")
    if "Pending updates: 0" not in status:
        found.append(f"updates still pending after `search_index sync --now`: {status.strip()}")
    if verify_code != 0:
        found.append(f"`search_index verify` found drift:\n{verify_output.strip()}")
    return found


def _numbers(text, labels):
    import re

    return [m.group(1) for label in labels for m in re.finditer(rf"(\d+) {label}", text)]


def summary(operations):
    """{op: [succeeded, failed]}, for the report."""
    table = {}
    for op in operations:
        row = table.setdefault(op["op"], [0, 0])
        row[0 if op["ok"] else 1] += 1
    return table
