"""A backup restored into an EMPTY database and media folder serves the same pages, byte for byte.

Runs scripts/backup.sh and scripts/restore.sh for real (pg_dump/pg_restore when DATABASE_URL is a
PostgreSQL URL, SQLite's backup API otherwise) on scratch databases of its own, never
pytest-django's test database: the demo site is migrated and loaded into a source database by
`manage.py` in a subprocess, served by `runserver` on 127.0.0.1, backed up, restored into a
brand-new database and served again. Every subprocess has a timeout and every server is stopped
in a `finally`.
"""

import contextlib
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from .helpers import free_port

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = urlsplit(BASE_URL).scheme in ("postgres", "postgresql", "pgsql")
AREA = "/research-areas/community-care-strategies/integrated-community-case-management/"
STUDY = AREA + "costing-of-iccm/"
PAGES = [
    "/",
    AREA,
    STUDY,
    "/briefs-for-policymakers/child-mortality-a-brief-for-policymakers/",
    "/publications/health-policy-and-planning-supplement/",
    "/search/?q=costing",
    "/countries/ml/",
    "/sitemap.xml",
    # The demo's translations (wagtail-localize's sources and strings travel with the pages).
    "/fr/",
    "/pt/publicacoes/licoes-aprendidas-com-os-tres-estudos/",
]
# The footer's signup form may carry a CSRF token, which is random on every request.
CSRF_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')


class ScratchDatabases:
    """Uniquely named databases for this test only: SQLite files under tmp, or PostgreSQL databases
    dropped after."""

    def __init__(self, folder):
        self.folder = folder
        self.created = []

    def new(self, label):
        name = f"portal_backup_{label}_{uuid.uuid4().hex[:10]}"
        if not ON_POSTGRES:
            return f"sqlite:///{self.folder / (name + '.sqlite3')}"
        from psycopg import sql

        with self._admin() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        parts = urlsplit(BASE_URL)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))

    def drop_all(self):
        """FORCE ends the portal's own connections; an autovacuum worker that started on a
        freshly restored database belongs to the superuser, so wait for it to finish."""
        import psycopg
        from psycopg import sql

        with self._admin() as connection:
            for name in self.created:
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
                for attempt in range(30):
                    try:
                        connection.execute(drop)
                        break
                    except psycopg.errors.InsufficientPrivilege:
                        if attempt == 29:
                            raise
                        time.sleep(1)

    @staticmethod
    def _admin():
        import psycopg

        url = urlunsplit(("postgresql", *urlsplit(BASE_URL)[1:]))
        return psycopg.connect(url, autocommit=True, connect_timeout=10)


def run(command, env, timeout=300, check=True):
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check:
        assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def site_env(database_url, media):
    """A dev-settings environment on this database and media folder, with nothing shared between
    servers."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    for key in (
        "OPENSEARCH_URL",
        "ELASTICSEARCH_URL",
        "MAILCHIMP_API_KEY",
        "NEWSLETTER_WEBHOOK_URL",
    ):
        env.pop(key, None)
    media.mkdir(parents=True, exist_ok=True)
    env.update(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media),
        DJANGO_SETTINGS_MODULE="portal.settings.dev",
        DEBUG="1",  # runserver serves /media/ only with DEBUG
        DB_CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def get(port, path):
    """One GET without following redirects; the Host header is fixed, so absolute URLs match across
    servers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": "localhost"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextlib.contextmanager
def serve(env, log_path):
    """`manage.py runserver` on 127.0.0.1 and a free port, stopped however the block ends."""
    port = free_port()
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, f"runserver exited:\n{Path(log_path).read_text()}"
                assert time.monotonic() < deadline, (
                    f"runserver did not answer in 60 s:\n{Path(log_path).read_text()}"
                )
                with contextlib.suppress(OSError):
                    get(port, "/robots.txt")
                    break
                time.sleep(0.2)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def fetch_all(port, paths):
    return {path: get(port, path) for path in paths}


def normalised(body):
    return CSRF_TOKEN.sub(rb"\1<token>\2", body)


def media_digests(folder):
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    scratch = ScratchDatabases(tmp_path_factory.mktemp("databases"))
    try:
        yield scratch
    finally:
        if scratch.created:
            scratch.drop_all()


@pytest.fixture(scope="module")
def source(databases, tmp_path_factory):
    """The demo site in a scratch database, its public URLs as served, and a backup of it."""
    tmp = tmp_path_factory.mktemp("source")
    env = site_env(databases.new("src"), tmp / "media")
    run([sys.executable, "manage.py", "migrate", "--noinput"], env, timeout=600)
    run([sys.executable, "manage.py", "load_demo_content"], env)
    run([sys.executable, "manage.py", "search_index", "rebuild"], env)
    with serve(env, tmp / "runserver.log") as port:
        pages = fetch_all(port, PAGES)
        html = b"".join(body for _, body in pages.values())
        # The study's srcset renditions (made by this first render, so they are in the backup), any
        # document.
        srcsets = b",".join(re.findall(rb'srcset="([^"]*)"', pages[STUDY][1]))
        renditions = {item.split()[0].decode() for item in srcsets.split(b",") if item.strip()}
        assert any(url.startswith("/media/images/") for url in renditions), (
            "the study page has no srcset rendition"
        )
        documents = {match.decode() for match in re.findall(rb'href="(/documents/[^"#]+)', html)}
        extra = sorted(renditions | documents)
        pages.update(fetch_all(port, extra))
    backup = tmp / "backup"
    result = run(["bash", "scripts/backup.sh", str(backup)], env)
    password = urlsplit(BASE_URL).password
    if password:
        assert f":{password}@" not in result.stdout + result.stderr, (
            "backup.sh printed the database URL"
        )
    return {"env": env, "media": tmp / "media", "backup": backup, "pages": pages}


def test_backup_writes_database_media_and_manifest(source):
    manifest = json.loads((source["backup"] / "manifest.json").read_text())
    kind = "postgresql" if ON_POSTGRES else "sqlite"
    assert manifest["database"]["kind"] == kind
    assert set(manifest["files"]) == {
        "database.dump" if ON_POSTGRES else "database.sqlite3",
        "media.tar.gz",
    }
    for name, facts in manifest["files"].items():
        data = (source["backup"] / name).read_bytes()
        assert facts == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_restore_into_empty_database_serves_the_same_pages(source, databases, tmp_path):
    expected = source["pages"]
    assert all(status == 200 for status, _ in expected.values()), {
        p: s for p, (s, _) in expected.items() if s != 200
    }
    assert b"costing-of-iccm" in expected["/search/?q=costing"][1], (
        "the search found nothing to compare"
    )
    env = site_env(databases.new("dst"), tmp_path / "media")
    assert not any((tmp_path / "media").iterdir())

    originals_and_renditions = media_digests(source["media"])
    assert any(name.startswith("images/") for name in originals_and_renditions), (
        originals_and_renditions
    )

    started = time.monotonic()
    run(["bash", "scripts/restore.sh", str(source["backup"])], env)
    print(f"restore.sh took {time.monotonic() - started:.1f} s")
    assert media_digests(tmp_path / "media") == originals_and_renditions

    with serve(env, tmp_path / "runserver.log") as port:
        served = fetch_all(port, list(expected))
    for path, (status, body) in expected.items():
        assert served[path][0] == status, path
        assert normalised(served[path][1]) == normalised(body), f"{path} differs after the restore"
    # Serving needed no new rendition: everything it uses came back from the backup.
    assert media_digests(tmp_path / "media") == originals_and_renditions


def test_restore_refuses_a_database_that_is_not_empty(source, tmp_path):
    env = {**source["env"], "MEDIA_ROOT": str(tmp_path / "media")}  # the source database: full
    result = run(["bash", "scripts/restore.sh", str(source["backup"])], env, check=False)
    assert result.returncode != 0
    assert "is not empty" in result.stderr and "--force" in result.stderr
    assert not (tmp_path / "media").exists(), "media was touched although the restore was refused"


def test_restore_refuses_a_corrupted_archive(source, databases, tmp_path):
    backup = tmp_path / "backup"
    shutil.copytree(source["backup"], backup)
    archive = backup / "media.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    target = databases.new("corrupt")
    env = site_env(target, tmp_path / "media")

    result = run(["bash", "scripts/restore.sh", str(backup)], env, check=False)
    assert result.returncode != 0
    assert "sha256 mismatch for media.tar.gz" in result.stderr
    assert not any((tmp_path / "media").iterdir())
    if ON_POSTGRES:
        import psycopg

        with psycopg.connect(
            urlunsplit(("postgresql", *urlsplit(target)[1:])), connect_timeout=10
        ) as connection:
            tables = connection.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()[0]
        assert tables == 0, "the target database was written to"
    else:
        assert not Path(urlsplit(target).path[1:]).exists(), "the target database was created"


def test_backup_refuses_a_directory_that_is_not_empty(source):
    result = run(["bash", "scripts/backup.sh", str(source["backup"])], source["env"], check=False)
    assert result.returncode != 0
    assert "is not empty" in result.stderr
    assert json.loads((source["backup"] / "manifest.json").read_text())["files"]
