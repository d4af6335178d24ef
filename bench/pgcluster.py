"""A throwaway PostgreSQL cluster on a free port, stopped and started at will.

The outage test and the fault run stop the database under a running portal; they must never
stop the shared server on 5432 that the other tests use. As root, the cluster runs as the
postgres user, which PostgreSQL requires."""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.servers import free_port

PG_CTLS = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))


def unavailable_reason():
    """Why a private cluster cannot run here, or "" when it can."""
    if not PG_CTLS:
        return "needs Debian's PostgreSQL binaries (/usr/lib/postgresql/*/bin)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "PostgreSQL refuses to run as root, and runuser is missing"
    return ""


class Cluster:
    def __init__(self, pg_ctl=None):
        self.bin = (pg_ctl or PG_CTLS[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.port = free_port()
        self.url = f"postgres://portal@127.0.0.1:{self.port}/postgres"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")

    def run(self, name, *args):
        command = [*self.as_postgres, str(self.bin / name), *map(str, args)]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self):
        data = self.dir / "data"
        self.run("initdb", "-D", data, "-U", "portal", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self):
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.dir} -c fsync=off -c full_page_writes=off"
        )
        self.run(
            "pg_ctl", "-D", self.dir / "data", "-l", self.dir / "log", "-w", "-o", options, "start"
        )

    def stop(self):
        self.run("pg_ctl", "-D", self.dir / "data", "-m", "fast", "-w", "stop")

    def remove(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def cluster():
    """A started cluster, removed on exit."""
    found = Cluster()
    try:
        found.init()
        found.start()
        yield found
    finally:
        found.remove()
