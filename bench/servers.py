"""Start the portal as production runs it (gunicorn, production settings) for benchmarks and tests.

`production_server(database_url, ...)` migrates (optionally loads the demo),
collects static files into a scratch folder, starts gunicorn on a free port
on 127.0.0.1 and stops it on exit. Plain HTTP: SECURE_SSL_REDIRECT is off,
and requests that need the HTTPS view send X-Forwarded-Proto: https.
`varnish(backend_port)` puts the edge cache (scripts/varnish.sh) in front of one.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url, **extra):
    """The environment production settings need, for a local run over plain HTTP."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_", "PAGE_CACHE"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY="bench-" + "k" * 40,
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        GUNICORN_ACCESS_LOG="",
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(env, *args, timeout=600):
    """Run manage.py with this environment; raise with its output if it fails."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_until_up(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                response.read()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(process, timeout=20):
    """SIGTERM, then SIGKILL if it has not gone within `timeout` seconds."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def write_report(report, target):
    """A benchmark's JSON report to stdout ("-") or to a file."""
    if target == "-":
        print(json.dumps(report, indent=2))
        return
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {target}")


@contextlib.contextmanager
def gunicorn(env, app="portal.wsgi", cwd=REPO, workers=2, port=None, log=None):
    """gunicorn on 127.0.0.1 with this environment; yields its base URL and stops it on exit."""
    port = port or free_port()
    command = [
        GUNICORN,
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--no-control-socket",
    ]
    if Path(cwd, "gunicorn.conf.py").exists():
        command += ["--config", str(Path(cwd, "gunicorn.conf.py"))]
    url = f"http://127.0.0.1:{port}"
    with open(log, "w") if log else contextlib.nullcontext(subprocess.DEVNULL) as output:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            wait_until_up(url + "/robots.txt" if app == "portal.wsgi" else url + "/")
            yield url
        finally:
            stop(process)


@contextlib.contextmanager
def production_server(database_url, demo=True, workers=2, media_root=None, log=None, **extra_env):
    """Migrate, load the demo (idempotent), collect static files, and serve with gunicorn."""
    with tempfile.TemporaryDirectory(prefix="portal-prod-") as scratch:
        env = production_env(
            database_url,
            STATIC_ROOT=Path(scratch, "static"),
            MEDIA_ROOT=media_root or Path(scratch, "media"),
            **extra_env,
        )
        manage(env, "migrate", "--noinput")
        if demo:
            manage(env, "load_demo_content")
            manage(env, "search_index", "rebuild")
        manage(env, "collectstatic", "--noinput")
        with gunicorn(env, workers=workers, log=log) as url:
            yield url, env


VARNISH_COUNTERS = (
    "client_req",
    "cache_hit",
    "cache_hit_grace",
    "cache_miss",
    "backend_req",
    "s_pass",
)


def varnish_dir(port):
    """scripts/varnish.sh's state folder for this port (under .cache/, which varnishd's
    unprivileged child can read, unlike a private temporary folder)."""
    folder = REPO / f".cache/varnish-{port}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def varnish(backend_port, port=None):
    """scripts/varnish.sh (the repo's VCL) in front of 127.0.0.1:backend_port; yields (its URL,
    its `varnishstat -n` folder), and stops it and removes its state on exit."""
    port = port or free_port()
    folder = varnish_dir(port)
    script = ["bash", "scripts/varnish.sh"]
    try:
        subprocess.run(
            [*script, "start", str(backend_port), str(port)],
            cwd=REPO,
            check=True,
            capture_output=True,
            timeout=300,
        )
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + "/robots.txt", timeout=30)
        yield url, folder / "instance"
    finally:
        pid_file = folder / "varnish.pid"
        pid = pid_file.read_text().strip() if pid_file.exists() else None
        subprocess.run([*script, "stop", str(port)], cwd=REPO, check=False, timeout=30)
        deadline = time.monotonic() + 15
        while pid and Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)


def varnish_counters(instance):
    """Varnish's hit, miss and backend counters (varnishstat -1) for the `varnish()` yielded."""
    output = subprocess.run(
        ["varnishstat", "-n", str(instance), "-1"], capture_output=True, text=True, timeout=30
    ).stdout
    found = dict.fromkeys(VARNISH_COUNTERS, 0)
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("MAIN.") and parts[0][5:] in found:
            found[parts[0][5:]] = int(parts[1])
    return found
