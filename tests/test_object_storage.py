"""Uploads in an S3-compatible bucket (portal/storage.py), for more than one app server.

S3 itself cannot be reached from here: every test runs against moto's server mode on
127.0.0.1, a stand-in speaking the S3 API, through django-storages and boto3."""

import json
import os
import sqlite3
import subprocess
import uuid

import boto3
import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from bench import servers

from . import helpers
from .factories import ImageFactory
from .helpers import moto_server, runs_once

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def moto():
    with moto_server() as url:
        yield url


def new_bucket(moto):
    name = f"portal-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=moto).create_bucket(Bucket=name)
    return name


def objects(moto, bucket):
    listing = boto3.client("s3", endpoint_url=moto).list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listing.get("Contents", [])}


@pytest.fixture
def bucket(moto, settings):
    name = new_bucket(moto)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "portal.storage.MediaStorage",
            "OPTIONS": {"bucket_name": name, "endpoint_url": moto, "file_overwrite": False},
        },
    }
    return name


@pytest.mark.urls("tests.urls_media")
def test_uploads_and_renditions_live_in_the_bucket_and_are_served_by_the_portal(
    client, moto, bucket
):
    image = ImageFactory()
    rendition = image.get_rendition("fill-200x100")
    stored = objects(moto, bucket)
    assert image.file.name in stored and rendition.file.name in stored
    assert rendition.url.startswith("/media/images/"), "the portal's own URL, never a signed one"
    response = client.get(rendition.url)
    body = b"".join(response) if response.streaming else response.content
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert body == rendition.file.open("rb").read()
    assert "immutable" in response["Cache-Control"] and response.has_header("ETag")
    again = client.get(rendition.url, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


@pytest.mark.urls("tests.urls_media")
def test_a_missing_image_or_a_name_outside_the_renditions_is_a_404(client, bucket):
    original = ImageFactory().file.name  # "original_images/...": in the bucket, not public
    assert client.get("/media/images/missing.jpg").status_code == 404
    assert client.get(f"/media/images/%2e%2e/{original}").status_code == 404
    assert client.get(f"/media/images/..%2f{original}").status_code == 404


def test_documents_stream_from_the_bucket_through_wagtails_view(client, moto, bucket):
    document = Document.objects.create(
        title="A brief", file=ContentFile(b"%PDF-1.4 a brief", name="brief.pdf")
    )
    assert document.file.name in objects(moto, bucket)
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 a brief"


@runs_once()
def test_backup_and_restore_carry_the_bucket(moto, tmp_path):
    bucket = new_bucket(moto)
    s3 = boto3.client("s3", endpoint_url=moto)
    files = {"images/a.fill-10x10.jpg": b"jpeg bytes", "documents/b.pdf": b"%PDF-1.4 b"}
    for key, body in files.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    source, target = tmp_path / "source.sqlite3", tmp_path / "target.sqlite3"
    sqlite3.connect(source).execute("CREATE TABLE t (x)").connection.commit()
    env = {
        **os.environ,
        "MEDIA_S3_BUCKET": bucket,
        "MEDIA_S3_ENDPOINT_URL": moto,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
    }
    backup = tmp_path / "backup"
    run = dict(cwd=servers.REPO, capture_output=True, text=True, timeout=120)
    made = subprocess.run(
        ["bash", "scripts/backup.sh", str(backup)],
        env={**env, "DATABASE_URL": f"sqlite:///{source}"},
        **run,
    )
    assert made.returncode == 0, made.stderr
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["media"]["root"] == f"s3://{bucket}/"
    assert sorted(p.name for p in backup.iterdir()) == [
        "database.sqlite3",
        "manifest.json",
        "media.tar.gz",
    ], "the staging folder is gone"

    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in files]})
    assert not objects(moto, bucket)
    restored = subprocess.run(
        ["bash", "scripts/restore.sh", str(backup)],
        env={**env, "DATABASE_URL": f"sqlite:///{target}"},
        **run,
    )
    assert restored.returncode == 0, restored.stderr
    for key, body in files.items():
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body, key


RETITLE = """
from research.models import StudyPage
study = StudyPage.objects.live().filter(locale__language_code="en").first()
study.title = "{title}"
study.save_revision().publish()
print(study.url)
"""


def fetch(url):
    """One site name in front of both servers, as a load balancer gives them."""
    return helpers.fetch(url, raw=True, Host="localhost")


@runs_once()
def test_two_app_servers_share_one_database_cache_and_bucket(moto, tmp_path):
    """Two gunicorn instances on one database, one Redis and one bucket serve the same pages
    and images, and a publish on one is seen at once on both (the page cache's stamps live
    in the shared Redis)."""
    import re

    from .helpers import running_redis

    bucket = new_bucket(moto)
    with running_redis(tmp_path) as (_client, redis_url):
        env = servers.production_env(
            f"sqlite:///{tmp_path / 'db.sqlite3'}",
            STATIC_ROOT=tmp_path / "static",
            MEDIA_ROOT=tmp_path / "unused-media",
            REDIS_URL=redis_url,
            MEDIA_S3_BUCKET=bucket,
            MEDIA_S3_ENDPOINT_URL=moto,
        )
        for command in (
            ["migrate", "--noinput"],
            ["load_demo_content"],
            ["collectstatic", "--noinput"],
        ):
            servers.manage(env, *command)
        assert any(key.startswith("original_images/") for key in objects(moto, bucket))
        assert not (tmp_path / "unused-media").exists(), "nothing written to local disk"
        ports = servers.free_port(), servers.free_port()
        with (
            servers.gunicorn(env, workers=1, port=ports[0], log=tmp_path / "a.log"),
            servers.gunicorn(env, workers=1, port=ports[1], log=tmp_path / "b.log"),
        ):
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            for base in bases:
                servers.wait_until_up(base + "/robots.txt")
            study = servers.manage(env, "shell", "-c", RETITLE.format(title="Costing, first"))
            study = study.strip().splitlines()[-1]
            pages = [fetch(base + study) for base in bases]
            assert [page[1]["X-Cache"] for page in pages] == ["miss", "hit"], "one shared cache"
            assert pages[0][2] == pages[1][2], "the same page from both"
            images = re.findall(rb'src="(/media/images/[^"]+)"', pages[0][2])
            assert images, "the study shows its hero image's rendition"
            served = [fetch(base + images[0].decode()) for base in bases]
            assert {s[1]["Content-Type"].split("/")[0] for s in served} == {"image"}
            assert served[0][2] == served[1][2] and len(served[0][2]) > 100, "the same image"
            servers.manage(env, "shell", "-c", RETITLE.format(title="Costing, revised"))
            after = [fetch(base + study) for base in bases]
            assert all(b"Costing, revised" in page[2] for page in after), "seen on both"
            assert [page[1]["X-Cache"] for page in after] == ["miss", "hit"], "re-rendered once"
