"""The services the fault run stops and starts (bench/fault_run.py): Redis, the OpenSearch
node, and the scratch database it runs on."""

import contextlib
import os
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid

import psycopg
import redis

from bench.servers import REPO, free_port, manage

ENGINE_SCRIPT = REPO / "scripts" / "search-engine.sh"
REDIS_SERVER = "/usr/bin/redis-server"


class RedisServer:
    """redis-server on a free port, saving to disk on shutdown as a production Redis keeps its
    data."""

    def __init__(self, folder):
        self.port, self.folder, self.process = free_port(), folder, None

    def start(self):
        command = [
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.folder),
        ]
        command += [
            "--save",
            "3600 1",
            "--appendonly",
            "no",
            "--logfile",
            str(self.folder / "redis.log"),
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client, deadline = redis.Redis(port=self.port, socket_timeout=1), time.monotonic() + 15
        while True:
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    return
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.1)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def engine(action, url, timeout=300):
    """scripts/search-engine.sh start|stop opensearch on the port of `url` (start waits until it is
    healthy)."""
    env = {**os.environ, "OPENSEARCH_PORT": str(urllib.parse.urlsplit(url).port or 9200)}
    subprocess.run(
        ["bash", ENGINE_SCRIPT, action, "opensearch"],
        env=env,
        check=True,
        capture_output=True,
        timeout=timeout,
    )


class Node:
    """The OpenSearch node as this run left it: whatever happens, a node it stopped is started
    again."""

    def __init__(self, url, env, log):
        self.url, self.env, self.log, self.stopped, self.restart, self.rebuilt_at = (
            url,
            env,
            log,
            False,
            None,
            None,
        )

    def stop(self):
        self.stopped = True
        engine("stop", self.url)

    def away(self):
        """Stopped, or started again but not yet rebuilt: a `search_index sync` that fails now
        keeps its updates queued, as it should."""
        return self.stopped or bool(self.restart and self.restart.is_alive())

    def restart_in_background(self):
        """The node takes 10-60 s to start and comes back empty: start it, then rebuild, as an
        operator would."""

        def restart():
            begun = time.monotonic()
            self.ensure_started()
            self.log(
                f"fault run: OpenSearch answering again after {time.monotonic() - begun:.0f} s"
            )
            # Nothing was published meanwhile: no sync
            manage(self.env, "search_index", "rebuild", "--engine-only")
            self.rebuilt_at = time.monotonic()
            self.log(
                f"fault run: index rebuilt {self.rebuilt_at - begun:.0f} s after the restart began"
            )

        self.restart = threading.Thread(target=restart)
        self.restart.start()

    def ensure_started(self):
        if self.restart and self.restart is not threading.current_thread():
            self.restart.join(timeout=400)
        if self.stopped:
            engine("start", self.url)
            self.stopped = False


@contextlib.contextmanager
def scratch_database(url):
    """A fresh database on the server `url` names, dropped on exit: a run never touches real
    data."""
    name = f"fault_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_index(url, index):
    with contextlib.suppress(OSError):
        urllib.request.urlopen(
            urllib.request.Request(f"{url}/{index}-*", method="DELETE"), timeout=30
        ).close()
