"""wrk, run and read, and what the machine's CPUs did meanwhile (bench/load_bench.py,
bench/edge_bench.py).

A req/s figure from a shared 2-core machine says little without who had the cores, so a run
can carry a CPU split by role (varnishd, wrk, each gunicorn, PostgreSQL, everything else),
read from /proc while wrk is still running (there is no pidstat here).
"""

import os
import re
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}
TICK = os.sysconf("SC_CLK_TCK")

# One request after another over the paths, precomputed per thread so Lua costs little.
ROTATION = """\
local paths = {%s}
local requests = {}
local next_one = 0
init = function(args)
  for i, path in ipairs(paths) do requests[i] = wrk.format("GET", path) end
end
request = function()
  next_one = next_one %% #requests + 1
  return requests[next_one]
end
"""


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse(output):
    """Requests/s, latency percentiles (ms), non-2xx/3xx responses and socket errors from wrk's
    report."""
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    result["requests"] = int(re.search(r"(\d+) requests in", output).group(1))
    for percent in ("50", "90", "99"):
        found = re.search(rf"^\s+{percent}%\s+(\S+)", output, re.MULTILINE)
        result[f"p{percent}_ms"] = round(_ms(found.group(1)), 2) if found else None
    found = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non_2xx"] = int(found.group(1)) if found else 0
    found = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result["socket_errors"] = sum(int(n) for n in found.groups()) if found else 0
    return result


def rotation_script(paths):
    """A wrk Lua script that sends GET to each path in turn (with wrk's -H headers)."""
    return ROTATION % ", ".join(f'"{path}"' for path in paths)


def start(url, duration, threads=2, connections=64, timeout="10s", headers=None, script=None):
    """wrk under way (--latency); finish() reads it."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command += (["--timeout", timeout] if timeout else []) + (["-s", str(script)] if script else [])
    process = subprocess.Popen(
        [*command, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    process.duration = duration
    return process


def finish(process):
    """Wait for wrk (killing it if it overruns by a minute); (parsed report, raw output)."""
    try:
        stdout, stderr = process.communicate(timeout=process.duration + 60)
    finally:
        kill(process)
    if process.returncode:
        raise RuntimeError(f"wrk failed ({process.args[-1]}):\n{stdout}\n{stderr}")
    return parse(stdout), stdout


def kill(process):
    if process.poll() is None:
        process.kill()
        process.wait()


def run(url, duration, profile=False, **options):
    """One wrk run; with `profile`, the result's "cpu" is the CPU split from its second second
    to its last (duration ≥ 3 s)."""
    process = start(url, duration, **options)
    try:
        if profile and duration >= 3:
            time.sleep(1)
            before = cpu_snapshot()
            time.sleep(duration - 2)
            cpu = cpu_split(before, cpu_snapshot())
        result, output = finish(process)
    finally:
        kill(process)
    if profile and duration >= 3:
        result["cpu"] = cpu
    return result, output


CLAIMED = set()  # cmdline fragments of processes this run owns but did not fork (a daemon)


def claim(fragment):
    """Count processes whose command line holds `fragment` (e.g. a daemonised varnishd's
    listen address) as this run's in the CPU split."""
    CLAIMED.add(fragment)


def _role(args):
    """What a process is, for the CPU split: its program, and a gunicorn's application."""
    names = [Path(arg).name for arg in args[:2]]
    if "gunicorn" in names:
        at = names.index("gunicorn") + 1
        return f"gunicorn {args[at] if at < len(args) else ''}".strip()
    if "manage.py" in names:
        return "manage.py " + (args[names.index("manage.py") + 1] if len(args) > 2 else "")
    program = names[0].split()[0]  # redis-server rewrites its title: "redis-server ip:port"
    if program.startswith("postgres"):
        return "postgres"
    return program if program in ("varnishd", "wrk", "redis-server") else "other"


def cpu_snapshot():
    """{pid: (role, CPU ticks)} for every process, and the machine's (idle, total) ticks. A
    process neither this one's descendant nor claimed is labelled "others'": the machine is
    shared."""
    processes, parents, found = {}, {}, {}
    for entry in os.scandir("/proc"):
        try:
            stat = Path(entry.path, "stat").read_text() if entry.name.isdigit() else None
            args = Path(entry.path, "cmdline").read_bytes().split(b"\0") if stat else None
        except OSError:
            continue
        args = [arg.decode(errors="replace") for arg in args or () if arg]
        if args:
            fields = stat.rsplit(")", 1)[1].split()
            parents[entry.name] = fields[1]
            found[entry.name] = (args, int(fields[11]) + int(fields[12]))
    me = str(os.getpid())
    for pid, (args, ticks) in found.items():
        line, ancestor = " ".join(args), pid
        while ancestor not in (me, "0", "1", None):
            ancestor = parents.get(ancestor)
        mine = ancestor == me or any(fragment in line for fragment in CLAIMED)
        processes[pid] = (("" if mine else "others' ") + _role(args), ticks)
    cpu = [int(n) for n in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle, total = cpu[3] + cpu[4], sum(cpu[:8])
    return {"processes": processes, "idle": idle, "total": total, "at": time.monotonic()}


def cpu_split(before, after):
    """% of one core per role between two snapshots (2 cores: 200 % in all), idle included."""
    seconds = after["at"] - before["at"]
    used = Counter()
    for pid, (role, ticks) in after["processes"].items():
        previous = before["processes"].get(pid)
        used[role] += ticks - (previous[1] if previous and previous[0] == role else 0)
    split = {role: round(100 * ticks / TICK / seconds) for role, ticks in used.most_common()}
    total = after["total"] - before["total"]
    cores = os.cpu_count() or 1
    split["idle"] = round(100 * cores * (after["idle"] - before["idle"]) / total) if total else None
    return {role: share for role, share in split.items() if share}


def describe(split):
    """ "varnishd 90, wrk 60, other 40, idle 5" (% of one core)."""
    return ", ".join(f"{role} {share}" for role, share in (split or {}).items())


class Sampler(threading.Thread):
    """GETs the URLs in turn every `interval` s while wrk runs, counting the values of
    `header` (a cache's hit/miss) in the responses: a check that the run measured what it
    says."""

    def __init__(self, urls, header, headers=None, interval=0.5):
        super().__init__(daemon=True)
        self.urls, self.header, self.headers, self.interval = urls, header, headers, interval
        self.counts, self.halt = Counter(), threading.Event()

    def run(self):
        while not self.halt.wait(self.interval):
            for url in self.urls:
                request = urllib.request.Request(url, headers=self.headers or {})
                try:
                    with urllib.request.urlopen(request, timeout=20) as response:
                        response.read()
                        self.counts[response.headers.get(self.header, "-")] += 1
                except OSError as error:
                    self.counts[f"error {type(error).__name__}"] += 1

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.halt.set()
        self.join(timeout=30)
